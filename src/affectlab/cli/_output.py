"""Shared output helpers: JSON for scripts, rich tables for people, clean errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


def emit_json(obj: Any) -> None:
    """Print `obj` as JSON on stdout (UTF-8, no ASCII escaping)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 2, as_json: bool = False) -> NoReturn:
    """Report an error (as JSON when asked) and exit with `code`."""
    if as_json:
        emit_json({"error": message})
    else:
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
