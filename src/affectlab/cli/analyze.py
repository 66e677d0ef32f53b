"""`affectlab analyze`: emotion of texts given on the command line, on stdin, or in a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import (
    JsonOption,
    OverwriteOption,
    QuietOption,
    console,
    emit_json,
    fail,
    run_library,
    start,
)
from affectlab.core.records import exit_code


def analyze_command(
    texts: Annotated[list[str] | None, typer.Argument(
        help="Texts to analyse (or lines on stdin when none are given and --input is not set).",
        show_default=False)] = None,
    scheme: Annotated[str | None, typer.Option(
        "--scheme", "-s", help="Label scheme of the answer: goemotions, ekman, ekman7, plutchik8, "
        "leia5, parrott-primary, ... (default: the model's own, GoEmotions-28).")] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="A saved model folder (default: the shipped model).")] = None,
    input: Annotated[Path | None, typer.Option(
        "--input", "-i", help="A .csv, .jsonl or .parquet file to annotate row by row.")] = None,
    column: Annotated[str, typer.Option("--column", "-c",
                                        help="The text column of --input.")] = "text",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the annotated rows (.csv, .jsonl, .parquet).")
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="Rows per chunk (and per resume step).")] = 2048,
    resume: Annotated[bool, typer.Option(
        "--resume/--no-resume", help="Continue an interrupted --input run where it stopped.")
    ] = True,
    overwrite: OverwriteOption = False,
    batch_size: Annotated[int, typer.Option(help="Texts per forward pass.")] = 64,
    engine: Annotated[str, typer.Option(
        "--engine", help="'local' (torch, this process), 'onnx' (ONNX Runtime, the same "
        "predictions, faster), 'onnx-int8' (quantised weights), or 'ray' (--input on Ray Data "
        "actors; the [scale] extra).")] = "local",
    ray_address: Annotated[str | None, typer.Option(
        help="A Ray cluster to run on ('auto' or 'ray://host:10001'; default: a local Ray).")
    ] = None,
    actors: Annotated[int | None, typer.Option(
        min=1, help="Ray actors, each with its own copy of the model (default: one per CPU).")
    ] = None,
    top: Annotated[int, typer.Option(help="Labels shown per text in the table.")] = 3,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Probabilities of every label of a scheme, the predicted labels, and valence, arousal,
    dominance, per text. Exit 0 when every text was analysed, 1 when some were not (see their
    status), 2 on a usage error."""
    from affectlab.text.analyze import analyze, get_model

    start(quiet=quiet)
    if engine not in ENGINES:
        fail(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}", as_json=as_json)
    if engine == "ray" and input is None:
        fail(f"--engine {engine} annotates files: give --input and --output", as_json=as_json)
    backend = engine if engine.startswith("onnx") else "torch"
    clf = run_library(lambda: get_model(model), as_json)
    if input is not None:
        if texts:
            fail("give texts or --input, not both", as_json=as_json)
        if output is None:
            fail("--input needs --output (a .csv, .jsonl or .parquet file)", as_json=as_json)
        runner = None
        if engine == "ray":
            from affectlab.core.engines import RayEngine
            from affectlab.text.batch import text_annotator

            runner = RayEngine(text_annotator(None if model is None else str(model.resolve()),
                                              scheme, batch_size),
                               address=ray_address, actors=actors)
        _batch(input, output, column, scheme, clf, chunk_size, resume, overwrite, batch_size,
               as_json, runner, backend)
    if not texts:
        if sys.stdin.isatty():
            fail("give one or more texts, --input FILE, or lines on stdin", as_json=as_json)
        texts = [line.rstrip("\n") for line in sys.stdin]
        if not texts:
            fail("stdin held no line to analyse", as_json=as_json)
    results = run_library(lambda: analyze(list(texts), scheme, model=clf, batch_size=batch_size,
                                          engine=backend), as_json)
    if as_json:
        emit_json(results)
    else:
        _table(results, top)
    raise typer.Exit(exit_code(results, ok=_ANALYSED))


def _batch(input: Path, output: Path, column: str, scheme: str | None, clf: Any,
           chunk_size: int, resume: bool, overwrite: bool, batch_size: int, as_json: bool,
           engine: Any = None, backend: str = "torch") -> None:
    from functools import partial

    from affectlab.core.tables import annotate_file
    from affectlab.text.batch import annotate_texts

    annotate = partial(annotate_texts, model=clf, scheme=scheme, batch_size=batch_size,
                       engine=backend)
    report = run_library(lambda: annotate_file(
        input, output, annotate=annotate, column=column, chunk_size=chunk_size, resume=resume,
        overwrite=overwrite, progress=not as_json, settings=_settings(clf, scheme, backend),
        engine=engine), as_json)
    info = report.to_dict()
    failed = sum(v for k, v in report.status_counts.items() if k not in _ANALYSED)
    if as_json:
        emit_json(info)
        raise typer.Exit(1 if failed else 0)
    console.print(f"wrote {info['rows']:,} rows to {info['output']} "
                  f"({info['annotated']:,} annotated now, {info['resumed']:,} from before) "
                  f"in {info['seconds']:.1f} s")
    if info.get("status_counts"):
        console.print("status: " + ", ".join(f"{k} {v:,}" for k, v in
                                             info["status_counts"].items()))
    if info.get("replaced_rows"):
        console.print(f"{info['replaced_rows']:,} rows had undecodable bytes (replaced by U+FFFD)")
    raise typer.Exit(1 if failed else 0)


ENGINES = ("local", "onnx", "onnx-int8", "ray")
_ANALYSED = ("ok", "truncated")  # statuses of rows that got predictions


def _settings(clf: Any, scheme: str | None, backend: str = "torch") -> dict[str, Any]:
    """What changes the predictions besides the input: a resume under others is refused."""
    manifest = getattr(clf, "manifest_", None)
    return {"scheme": scheme or clf.scheme, "model": str(getattr(clf, "path_", "") or ""),
            "model_created": getattr(manifest, "created", None),
            "model_affectlab_version": getattr(manifest, "affectlab_version", None),
            "labels": list(clf.labels_ or []), "backend": backend}


def _table(results: list[dict[str, Any]], top: int) -> None:
    scheme = results[0]["scheme"] if results else ""
    table = Table(title=f"emotion ({scheme})")
    for name in ("text", "labels", f"top {top}", "V", "A", "D"):
        table.add_column(name, justify="right" if len(name) == 1 else "left",
                         overflow="fold")
    for r in results:
        text = r["text"] if r["text"] is not None else f"<{r['status']}>"
        if len(text) > 80:
            text = text[:77] + "..."
        best = sorted(((p, k) for k, p in r["probs"].items() if p is not None), reverse=True)
        shown = ", ".join(f"{k} {p:.2f}" for p, k in best[:top]) or "-"
        vad = [("-" if r[d] is None else f"{r[d]:+.2f}") for d in ("valence", "arousal",
                                                                   "dominance")]
        labels = ", ".join(r["labels"]) or "-"
        if r["status"] not in ("ok",):
            labels = f"{labels} ({r['status']})"
        table.add_row(text, labels, shown, *vad)
    console.print(table)
