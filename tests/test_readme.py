"""The README shows what works: its Python block uses no undefined name and imports only what
exists, and every `affectlab ...` line of it parses against the real command (options and
sub-commands exist). Running them all is the job of the module tests."""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import shlex
from pathlib import Path

import pytest
import typer

from affectlab.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.DOTALL)


def test_the_python_block_defines_every_name_it_uses():
    code = "\n".join(_blocks("python"))
    tree = ast.parse(code)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert not used - defined, f"README uses undefined names: {sorted(used - defined)}"


def test_the_python_block_imports_what_exists():
    tree = ast.parse("\n".join(_blocks("python")))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name) or importlib.util.find_spec(
                    f"{node.module}.{alias.name}"), f"{node.module}.{alias.name}"


def _commands() -> list[list[str]]:
    lines = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("affectlab "):
                lines.append(shlex.split(line)[1:])
    return lines


def test_the_readme_lists_commands():
    assert len(_commands()) > 30


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a)[:60])
def test_each_readme_command_parses(args):
    """Walk the groups down to the command and let click parse its options and arguments
    (an unknown option, a missing argument or a bad choice raises a UsageError)."""
    ctx = typer.main.get_command(app).make_context("affectlab", list(args))
    while hasattr(ctx.command, "resolve_command"):  # a group (typer vendors its own click)
        rest = [*getattr(ctx, "_protected_args", getattr(ctx, "protected_args", [])), *ctx.args]
        assert rest, f"{' '.join(args)} names a group, not a command"
        name, cmd, rest = ctx.command.resolve_command(ctx, rest)
        ctx = cmd.make_context(name, rest, parent=ctx)
    assert not ctx.args, f"extra arguments {ctx.args}"
