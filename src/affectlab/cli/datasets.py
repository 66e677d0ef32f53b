"""`affectlab datasets`: list the known corpora and describe one (rich tables or --json)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail
from affectlab.core.errors import AffectlabError

_ENV_VAR = "AFFECTLAB_DATA"  # affectlab.datasets._paths.ENV_VAR, without importing pandas

app = typer.Typer(
    help="Public emotion corpora: what exists, what is present locally, their sizes.",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


@app.command("list")
def list_command(as_json: bool = _JSON) -> None:
    """List every registered corpus with its task, modality and local availability."""
    try:
        from affectlab.datasets import overview

        rows = overview()
    except (AffectlabError, ValueError) as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(rows)
        return
    table = Table(title="affectlab corpora")
    for column in ("name", "task", "modality", "scheme", "available", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for row in rows:
        rows_text = f"{row['rows']:,}" if row["rows"] is not None else f"({row['expected_rows']:,})"
        table.add_row(
            row["name"],
            row["task"],
            row["modality"],
            row["scheme"] or "-",
            "yes" if row["available"] else "no",
            rows_text,
        )
    console.print(table)
    if not all(r["available"] for r in rows):
        console.print(
            f"Missing corpora: set {_ENV_VAR} or place them in ../shared/data. "
            "Rows in parentheses are the published sizes."
        )


def _format(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_format(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None or value == "" else str(value)


@app.command("describe")
def describe_command(
    name: str = typer.Argument(..., help="Corpus name or alias, e.g. goemotions."),
    as_json: bool = _JSON,
) -> None:
    """Show one corpus: source, licence, labels, and measured split sizes when present."""
    try:
        from affectlab.datasets import describe

        facts = describe(name)
    except (AffectlabError, ValueError) as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(facts)
        return
    table = Table(title=f"{facts['name']}: {facts['title']}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    keys = (
        "task",
        "modality",
        "scheme",
        "label_names",
        "dimensions",
        "available",
        "location",
        "splits",
        "expected_splits",
        "subjects",
        "label_counts",
        "category_counts",
        "dimension_stats",
        "licence",
        "citation",
        "public_source",
        "notes",
    )
    for key in keys:
        if key in facts:
            table.add_row(key, _format(facts[key]))
    console.print(table)
