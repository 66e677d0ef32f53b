"""One progress helper for every long job, with one off switch: `quiet=True` in code, `--quiet`
on the command line, or the environment variable AFFECTLAB_QUIET=1. Bars go to stderr, so
stdout stays clean for `--json`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
QUIET_ENV = "AFFECTLAB_QUIET"


_forced: bool | None = None  # set by `set_quiet`; None defers to the environment


def is_quiet() -> bool:
    """True when progress output is switched off: by `set_quiet` (the CLI's --quiet), else by
    the environment variable AFFECTLAB_QUIET."""
    if _forced is not None:
        return _forced
    return os.environ.get(QUIET_ENV, "").strip().lower() not in ("", "0", "false", "no")


def set_quiet(quiet: bool | None = True) -> None:
    """Switch every progress bar of this process off (True) or on (False); None goes back to
    what AFFECTLAB_QUIET says. The CLI resets it on every invocation."""
    global _forced
    _forced = quiet


def _enabled(show: bool) -> bool:
    return bool(show) and not is_quiet()


def stderr_console() -> Any:
    """The rich console on stderr that bars and warnings share."""
    from rich.console import Console

    global _CONSOLE
    if _CONSOLE is None:
        _CONSOLE = Console(stderr=True, emoji=False)
    return _CONSOLE


_CONSOLE: Any = None


@contextmanager
def progress_bar(show: bool, total: int | None, what: str, *, transient: bool = True,
                 unit: str | None = None) -> Iterator[Callable[..., None]]:
    """A bar as a context manager yielding `advance(n=1, **fields)`; always stopped on exit,
    errors included, and nothing at all when `show` is False or output is quiet. `unit` adds a
    running count ("1,024 rows")."""
    if not _enabled(show):
        yield lambda n=1, **fields: None
        return
    from rich import progress as rp

    columns = [rp.TextColumn("{task.description}"), rp.BarColumn(), rp.TaskProgressColumn()]
    if unit:
        columns.append(rp.TextColumn("{task.fields[count]:,} " + unit))
    columns += [rp.TimeElapsedColumn(), rp.TimeRemainingColumn()]
    with rp.Progress(*columns, console=stderr_console(), transient=transient) as bar:
        task = bar.add_task(what, total=total, count=0)

        def advance(n: int = 1, **fields: Any) -> None:
            description = fields.pop("description", None)
            completed = fields.pop("completed", None)
            kwargs: dict[str, Any] = dict(fields)
            if description is not None:
                kwargs["description"] = description
            if completed is not None:
                bar.update(task, completed=completed, **kwargs)
            else:
                bar.update(task, advance=n, **kwargs)

        yield advance


def track(items: Iterable[T], what: str, *, show: bool = True,
          total: int | None = None) -> Iterator[T]:
    """`items` one by one, with a bar while `show` (and not quiet)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress_bar(show, total, what) as advance:
        for item in items:
            yield item
            advance(1)


__all__ = ["QUIET_ENV", "is_quiet", "progress_bar", "set_quiet", "stderr_console", "track"]
