"""Command-line interface; the app itself lives in `affectlab.cli.app`."""

from __future__ import annotations


def main() -> None:
    """Console-script entry point for `affectlab`."""
    from affectlab.cli.app import app

    app()
