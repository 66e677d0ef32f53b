"""One shape for every command: the analyze* commands share their options and exit codes, and
`affectlab --help` stays fast (no torch, pandas or scikit-learn at start-up)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from affectlab.cli.app import app

ANALYZE = ["analyze", "analyze-audio", "analyze-music", "analyze-face"]


def _command(name: str):
    click_app = typer.main.get_command(app)
    return click_app.commands[name]


@pytest.mark.parametrize("name", ANALYZE)
def test_every_analyze_command_has_the_shared_options(name):
    params = {opt for p in _command(name).params for opt in getattr(p, "opts", [])}
    for option in ("--output", "-o", "--scheme", "-s", "--json", "--quiet", "--overwrite"):
        assert option in params, f"{name} lacks {option}"


@pytest.mark.parametrize("name", ["analyze-audio", "analyze-music", "analyze-face"])
def test_media_commands_take_many_paths(name):
    args = [p for p in _command(name).params if p.param_type_name == "argument"]
    assert len(args) == 1 and args[0].nargs == -1, f"{name} takes one path only"


def test_output_means_the_same_everywhere():
    """-o is the output file in every command that writes one."""
    click_app = typer.main.get_command(app)
    for name, cmd in click_app.commands.items():
        for p in cmd.params:
            if "-o" in getattr(p, "opts", []):
                assert "--output" in p.opts or "--out" in p.opts, (name, p.opts)


def test_the_command_starts_without_heavy_imports():
    code = ("import sys; from affectlab.cli.app import app; "
            "print(','.join(m for m in ('torch', 'pandas', 'sklearn', 'transformers', "
            "'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"`affectlab --help` imports {out}"


def test_global_quiet_switches_progress_off(monkeypatch):
    from typer.testing import CliRunner

    from affectlab.core import progress

    monkeypatch.delenv(progress.QUIET_ENV, raising=False)
    res = CliRunner().invoke(app, ["--quiet", "ontology", "schemes", "--json"])
    assert res.exit_code == 0, res.output
    assert progress.is_quiet()
    res = CliRunner().invoke(app, ["ontology", "schemes", "--json"])  # the next run is not
    assert res.exit_code == 0 and not progress.is_quiet()


def test_empty_input_is_a_usage_error_not_an_empty_answer():
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["analyze", "--json"], input="")
    assert res.exit_code == 2 and "stdin held no line" in res.output
    res = CliRunner().invoke(app, ["generate", "--soft", "  ", "--json"])
    assert res.exit_code == 2 and "prompt 1 is empty" in res.output
