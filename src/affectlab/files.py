"""Writing result and model files so a killed run never leaves half a file (temporary name,
then rename)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _temporary(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(f".{out.name}.tmp-{os.getpid()}")


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write JSON through a temporary name."""
    out = Path(path)
    tmp = _temporary(out)
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=float))
    os.replace(tmp, out)
    return out


def save_tensors(tensors: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write torch tensors as safetensors through a temporary name."""
    from safetensors.torch import save_file

    out = Path(path)
    tmp = _temporary(out)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
    os.replace(tmp, out)
    return out
