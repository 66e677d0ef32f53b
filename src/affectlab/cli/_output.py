"""Shared output helpers for every command: JSON for scripts, rich tables for people, clean
errors, one set of exit codes, input expansion (files, folders, globs) and result files.

Exit codes, for every command: 0 all inputs analysed (status "ok"), 1 the run finished but some
inputs failed (each has its own status in the output), 2 usage error (bad option, unknown name,
nothing to read, an output that exists without --overwrite, a mismatched resume).
"""

from __future__ import annotations

import glob
import json
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from affectlab.core.errors import AffectlabError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
RECORD_OUTPUTS = (".json", ".jsonl", ".csv", ".parquet")
#: What a library call may raise on purpose: reported as one line, exit code 2.
USAGE_ERRORS: tuple[type[BaseException], ...] = (AffectlabError, OSError, ValueError, TypeError,
                                                 RuntimeError, ImportError)
T = TypeVar("T")

# The options every analyze* command shares, declared once.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars (also: "
                                           "AFFECTLAB_QUIET=1).")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the records to a .json, .jsonl, .csv or .parquet file (a "
    "killed run resumes when called again).")]
OverwriteOption = Annotated[bool, typer.Option("--overwrite",
                                               help="Replace an existing --output file.")]


def paths_argument(what: str) -> Any:
    """The PATHS... argument of an analyze* command: `what` (e.g. "Sound files"), folders or
    globs."""
    return Annotated[list[str], typer.Argument(
        help=f"{what}, folders (searched recursively) or glob patterns.", show_default=False)]


def scheme_option(default: str) -> Any:
    """The --scheme/-s option of an analyze* command; `default` says what is answered without."""
    return Annotated[str | None, typer.Option(
        "--scheme", "-s", help=f"Label scheme of probs, labels and top: {default} by default, or "
        "any scheme of the ontology (ekman7, plutchik8, ...; mapped through the ontology).")]

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

_GLOB_CHARS = set("*?[")


def emit_json(obj: Any) -> None:
    """Print `obj` as JSON on stdout (UTF-8, no ASCII escaping)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = EXIT_USAGE, as_json: bool = False) -> NoReturn:
    """Report an error (as JSON when asked) and exit with `code`."""
    if as_json:
        emit_json({"error": message})
    else:
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """One clean warning line on stderr."""
    err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def expand_inputs(items: Iterable[str | Path], suffixes: Sequence[str], what: str) -> list[Path]:
    """Files named, every file with one of `suffixes` under a folder (recursively, sorted), and
    the matches of a glob pattern, in the order given, without repeats. A path that does not
    exist is kept (the analyser reports it as "missing"); a folder or glob that holds no such
    file is a usage error."""
    wanted = tuple(s.lower() for s in suffixes)
    out: dict[Path, None] = {}
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in wanted and not p.name.startswith("."))
            if not found:
                raise typer.BadParameter(f"no {what} ({', '.join(wanted)}) under {path}")
            out.update(dict.fromkeys(found))
        elif not path.exists() and _GLOB_CHARS & set(str(item)):
            found = sorted(Path(p) for p in glob.glob(str(item), recursive=True)
                           if Path(p).is_file())
            if not found:
                raise typer.BadParameter(f"the pattern {item!s} matches no file")
            out.update(dict.fromkeys(found))
        else:
            out[path] = None
    return list(out)


def check_output(output: Path | None, overwrite: bool, formats: Sequence[str],
                 as_json: bool = False) -> None:
    """Fail (exit 2) before any work when `output` has an unsupported extension, or exists and
    --overwrite was not given (a resumable run's own unfinished output is resumed instead)."""
    if output is None:
        return
    if output.suffix.lower() not in formats:
        fail(f"unsupported output type {output.suffix or '(none)'!r} for {output}: use one of "
             f"{', '.join(formats)}", as_json=as_json)
    from affectlab.core.journal import SUFFIX

    unfinished = Path(str(output) + SUFFIX).exists()  # killed after writing, before cleaning
    if output.exists() and not overwrite and not unfinished:
        fail(f"{output} already exists: pass --overwrite to replace it", as_json=as_json)


def start(*, quiet: bool, output: Path | None = None, overwrite: bool = False,
          as_json: bool = False) -> None:
    """What every analyze* command does first: --quiet, then the output checks (exit 2)."""
    if quiet:
        from affectlab.core.progress import set_quiet

        set_quiet(True)
    check_output(output, overwrite, RECORD_OUTPUTS, as_json=as_json)


def gather(paths: Iterable[str | Path], suffixes: Sequence[str], what: str,
           as_json: bool = False) -> list[Path]:
    """`expand_inputs`, with a folder or glob that holds nothing as a usage error (exit 2)."""
    try:
        return expand_inputs(paths, suffixes, what)
    except typer.BadParameter as err:
        fail(str(err), as_json=as_json)


def run_library(call: Callable[[], T], as_json: bool = False,
                errors: tuple[type[BaseException], ...] = USAGE_ERRORS) -> T:
    """Run a library call: its warnings as clean lines on stderr, an error it raises on purpose
    as one line and exit 2 (never a traceback). A media error's reason is named."""
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except errors as err:
            error = err
    for w in caught:
        warn(str(w.message))
    if error is not None:
        reason = getattr(error, "reason", None)
        text = str(error) or type(error).__name__
        fail(text + (f" [{reason}]" if reason and reason not in text else ""), as_json=as_json)
    return result


def finish(records: Sequence[dict[str, Any]], *, output: Path | None, as_json: bool,
           table: Callable[[Sequence[dict[str, Any]]], None],
           ok: Sequence[str] = ("ok",)) -> NoReturn:
    """Show the records (JSON or a table; just a summary line when they went to `output`) and
    exit 0 when every record's status is in `ok` ("ok" unless the modality says more), 1 when
    some failed."""
    from affectlab.core.records import exit_code

    code = exit_code(records, ok)
    failed = sum(r.get("status") not in ok for r in records)
    if as_json:
        if output is None:
            emit_json(list(records))
        else:
            emit_json({"output": str(output), "records": len(records), "failed": failed})
    elif output is None:
        table(records)
    else:
        console.print(f"wrote {len(records):,} record(s) to {output}"
                      + (f" ({failed:,} not ok: see their status)" if failed else ""))
    if failed and not as_json and output is None:
        err_console.print(f"{failed} of {len(records)} input(s) not analysed (see status)",
                          highlight=False)
    raise typer.Exit(code)

