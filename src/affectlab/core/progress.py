"""One progress helper for every long job, with one off switch: `quiet=True` in code, `--quiet`
on the command line, or the environment variable AFFECTLAB_QUIET=1. Bars go to stderr, so
stdout stays clean for `--json`. When stderr is not a terminal (a log file, `nohup`, CI), a
bar becomes a plain line every AFFECTLAB_PROGRESS_EVERY seconds (default 60), and one at the
end once a line has been written: a job running for hours says how far it is, and short work
stays silent."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
QUIET_ENV = "AFFECTLAB_QUIET"
EVERY_ENV = "AFFECTLAB_PROGRESS_EVERY"


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
    if not stderr_console().is_terminal:
        with _plain_lines(total, what, unit) as advance:
            yield advance
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


def _every() -> float:
    try:
        return max(0.0, float(os.environ.get(EVERY_ENV, "60")))
    except ValueError:
        return 60.0


def _clock(seconds: float) -> str:
    h, rest = divmod(round(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"


@contextmanager
def _plain_lines(total: int | None, what: str, unit: str | None
                 ) -> Iterator[Callable[..., None]]:
    """The bar for a log: `what: done/total (pct), elapsed, ~left` every `_every()` seconds, and
    at the end (errors included) when anything was written before."""
    import time

    state: dict[str, Any] = {"done": 0.0, "count": 0, "what": what}
    start = time.monotonic()
    every = _every()
    last = [start]
    written = [False]

    def line() -> None:
        elapsed = time.monotonic() - start
        done = state["done"]
        text = f"{state['what']}: {done:,.0f}"
        if total:
            text += f"/{total:,} ({100 * done / total:.0f}%)"
        if unit:
            text += f", {state['count']:,} {unit}"
        text += f", {_clock(elapsed)} elapsed"
        if total and 0 < done < total:
            text += f", ~{_clock(elapsed * (total - done) / done)} left"
        stderr_console().print(text, markup=False, highlight=False, soft_wrap=True)
        written[0] = True

    def advance(n: int = 1, **fields: Any) -> None:
        if fields.get("description") is not None:
            state["what"] = fields["description"]
        if "count" in fields:
            state["count"] = fields["count"]
        state["done"] = fields["completed"] if fields.get("completed") is not None \
            else state["done"] + n
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            line()

    try:
        yield advance
    finally:
        if written[0]:
            line()


def track(items: Iterable[T], what: str, *, show: bool = True,
          total: int | None = None) -> Iterator[T]:
    """`items` one by one, with a bar while `show` (and not quiet)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress_bar(show, total, what) as advance:
        for item in items:
            yield item
            advance(1)


__all__ = ["EVERY_ENV", "QUIET_ENV", "is_quiet", "progress_bar", "set_quiet", "stderr_console", "track"]
