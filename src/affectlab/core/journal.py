"""A per-item journal that makes any batch over files resumable: each finished item is appended
as one JSON line to `<output>.partial.jsonl`, keyed by the input's identity (resolved path, size,
modification time); a killed run called again skips what the journal holds. The first line
holds the settings, so a journal written under other settings is never mixed in."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any, Self

SUFFIX = ".partial.jsonl"


def file_key(path: str | os.PathLike[str]) -> str | None:
    """Identity of a file's content for resuming: resolved path, size, modification time."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    return f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"


class Journal:
    """Open with the run's `header` (settings); `done` maps keys to what earlier runs recorded;
    `add(key, item)` appends one finished item durably; `discard()` removes the journal once the
    output is written. Use as a context manager."""

    def __init__(self, output: str | os.PathLike[str], header: dict[str, Any]) -> None:
        self.path = Path(str(output) + SUFFIX)
        self.header = json.loads(json.dumps(header, default=str))
        self.done: dict[str, dict[str, Any]] = {}
        self._fh: Any = None

    def __enter__(self) -> Self:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            try:
                same = bool(lines) and json.loads(lines[0]) == self.header
            except json.JSONDecodeError:
                same = False
            if not same:
                warnings.warn(f"{path} was written with other settings; starting again",
                              stacklevel=2)
                path.unlink()
            else:
                for line in lines[1:]:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:  # a line cut by a kill: that item is redone
                        continue
                    if isinstance(rec, dict) and rec.get("key"):
                        self.done[rec["key"]] = rec.get("item", {})
        fresh = not path.exists()
        self._fh = path.open("a", encoding="utf-8")
        if fresh:
            self._fh.write(json.dumps(self.header) + "\n")
        elif path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            self._fh.write("\n")  # end a line cut by a kill, so the next record starts clean
        self._fh.flush()
        return self

    def add(self, key: str | None, item: dict[str, Any]) -> None:
        """Record one finished item (nothing for an input without identity)."""
        if key is None or self._fh is None:
            return
        self._fh.write(json.dumps({"key": key, "item": item}, default=str) + "\n")
        self._fh.flush()
        self.done[key] = item

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def discard(self) -> None:
        """Remove the journal (after the output is complete)."""
        self.path.unlink(missing_ok=True)


__all__ = ["SUFFIX", "Journal", "file_key"]
