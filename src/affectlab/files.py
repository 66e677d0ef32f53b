"""Atomic file writes (kept for existing imports): see `affectlab.core.files`."""

from __future__ import annotations

from affectlab.core.files import (
    atomic_path,
    clean_stale_temporaries,
    load_arrays,
    load_bundle,
    read_json,
    save_arrays,
    save_bundle,
    save_tensors,
    temporary_path,
    write_bytes,
    write_json,
    write_text,
)

__all__ = ["atomic_path", "clean_stale_temporaries", "load_arrays", "load_bundle", "read_json",
           "save_arrays", "save_bundle", "save_tensors", "temporary_path", "write_bytes",
           "write_json", "write_text"]
