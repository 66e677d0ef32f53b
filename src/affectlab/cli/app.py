"""The `affectlab` command: one typer app with a sub-command group per module."""

from __future__ import annotations

import typer

from affectlab.cli import datasets as _datasets
from affectlab.cli import ontology as _ontology
from affectlab.cli.demo import demo as _demo

app = typer.Typer(
    name="affectlab",
    help="Recognise, represent, probe and steer emotion.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(_ontology.app, name="ontology")
app.add_typer(_datasets.app, name="datasets")
app.command("demo")(_demo)
