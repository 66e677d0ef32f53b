"""Saving and reloading a folder of arrays plus a JSON description, atomically.

Directions and circuits are each ``<stem>.safetensors`` (the arrays) and ``<stem>.json`` (what
they are and how they were made); each file is written under a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["load_bundle", "save_bundle"]


def save_bundle(folder: str | os.PathLike[str], stem: str, arrays: Mapping[str, np.ndarray],
                info: Mapping[str, Any], *, indent: int | None = None) -> Path:
    """Write `arrays` (as float32) and `info` into `folder`; returns the folder."""
    from safetensors.numpy import save_file

    text = json.dumps(info, indent=indent, allow_nan=False)  # fails before anything is written
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{stem}.safetensors.tmp-{os.getpid()}"
    tmpj = out / f".{stem}.json.tmp-{os.getpid()}"
    try:
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()},
                  str(tmp))
        tmpj.write_text(text)
        # the JSON goes last: a folder with a JSON has the arrays that belong to it, except for
        # the instant between the two renames
        os.replace(tmp, out / f"{stem}.safetensors")
        os.replace(tmpj, out / f"{stem}.json")
    finally:
        tmp.unlink(missing_ok=True)
        tmpj.unlink(missing_ok=True)
    return out


def load_bundle(folder: str | os.PathLike[str], stem: str,
                what: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(info, arrays) written by `save_bundle`; a clear error names what is missing."""
    from safetensors.numpy import load_file

    path = Path(folder)
    files = path / f"{stem}.json", path / f"{stem}.safetensors"
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"no saved {what} at {path} (missing {', '.join(missing)})")
    return json.loads(files[0].read_text()), load_file(str(files[1]))
