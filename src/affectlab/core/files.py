"""Atomic writes: every file affectlab writes appears whole or not at all (a temporary name in
the same folder, then a rename), so a killed run never leaves half a file behind. Also array
bundles: a `<stem>.safetensors` of arrays beside a `<stem>.json` that says what they are."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_MARK = ".tmp-"
STALE_SECONDS = 3600.0


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what a plain open() would give (some writers use 0600)


def temporary_path(out: str | os.PathLike[str]) -> Path:
    """A hidden temporary name beside `out` (its parent folder is made), unique to this process."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to `path`, on error removed."""
    out = Path(path)
    tmp = temporary_path(out)
    try:
        yield tmp
        if tmp.is_file():
            os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(text: str, path: str | os.PathLike[str], encoding: str = "utf-8") -> Path:
    """Write text through a temporary name."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write bytes through a temporary name."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(obj: Any, path: str | os.PathLike[str], *, indent: int | None = 2) -> Path:
    """Write JSON through a temporary name (numpy scalars become floats)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, default=_json_default)
    return write_text(text + ("\n" if indent is not None else ""), path)


def read_json(path: str | os.PathLike[str]) -> Any:
    """JSON from a UTF-8 file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return float(value)


def save_tensors(tensors: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write torch tensors as safetensors through a temporary name."""
    from safetensors.torch import save_file

    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
    return Path(path)


def save_arrays(arrays: Mapping[str, Any], path: str | os.PathLike[str],
                dtype: Any = None) -> Path:
    """Write numpy arrays as safetensors through a temporary name (cast to `dtype` if given)."""
    import numpy as np
    from safetensors.numpy import save_file

    with atomic_path(path) as tmp:
        save_file({k: np.ascontiguousarray(v, dtype=dtype) for k, v in arrays.items()}, str(tmp))
    return Path(path)


def load_arrays(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Numpy arrays from a safetensors file."""
    from safetensors.numpy import load_file

    return load_file(str(path))


def save_bundle(folder: str | os.PathLike[str], stem: str, arrays: Mapping[str, Any],
                info: Mapping[str, Any], *, indent: int | None = None) -> Path:
    """Write `arrays` (as float32) and `info` into `folder`; the JSON goes last, so a folder with
    a JSON has the arrays that belong to it. Returns the folder."""
    import numpy as np

    text = json.dumps(info, indent=indent, allow_nan=False)  # fails before anything is written
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    save_arrays({k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()},
                out / f"{stem}.safetensors")
    write_text(text, out / f"{stem}.json")
    return out


def load_bundle(folder: str | os.PathLike[str], stem: str,
                what: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(info, arrays) written by `save_bundle`; a clear error names what is missing."""
    from affectlab.core.errors import ModelNotFoundError

    path = Path(folder)
    files = path / f"{stem}.json", path / f"{stem}.safetensors"
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ModelNotFoundError(f"no saved {what} at {path} (missing {', '.join(missing)})")
    return read_json(files[0]), load_arrays(files[1])


def clean_stale_temporaries(target: str | os.PathLike[str],
                            older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove temporaries of `target` left by killed runs: those of processes that no longer
    exist, or older than `older_than` seconds. Returns what was removed."""
    out = Path(target)
    removed = []
    if not out.parent.is_dir():
        return removed
    for tmp in out.parent.glob(f".{out.name}{TMP_MARK}*"):
        pid = tmp.name.rsplit(TMP_MARK, 1)[-1].split(".")[0]
        try:
            age = time.time() - tmp.stat().st_mtime
        except OSError:
            continue
        if not process_alive(pid) or age > older_than:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def process_alive(pid: str) -> bool:
    """Whether process `pid` (as text) still runs; a non-number is not a process."""
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cache_root(*parts: str) -> Path:
    """affectlab's cache for derived files (`AFFECTLAB_CACHE`, else $XDG_CACHE_HOME/affectlab or
    ~/.cache/affectlab), joined with `parts`; created on first use."""
    env = os.environ.get("AFFECTLAB_CACHE")
    base = Path(env).expanduser() if env else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "affectlab"
    out = base.joinpath(*parts)
    out.mkdir(parents=True, exist_ok=True)
    return out


__all__ = [
    "atomic_path",
    "cache_root",
    "clean_stale_temporaries",
    "file_sha256",
    "files_under",
    "load_arrays",
    "load_bundle",
    "process_alive",
    "read_json",
    "save_arrays",
    "save_bundle",
    "save_tensors",
    "temporary_path",
    "write_bytes",
    "write_json",
    "write_text",
]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (pairs a saved model's weights with its manifest)."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files_under(path: str | os.PathLike[str], suffixes: Iterable[str], *,
                recursive: bool = True) -> list[Path]:
    """The files with one of `suffixes` (lower case, with the dot) under a directory, sorted;
    or the one file given, whatever its suffix."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file or directory: {p}")
    if p.is_file():
        return [p]
    wanted = set(suffixes)
    pattern = "**/*" if recursive else "*"
    return sorted(f for f in p.glob(pattern) if f.is_file() and f.suffix.lower() in wanted)
