"""Annotating big text files, resumably (kept for existing imports): see `affectlab.core.tables`."""

from __future__ import annotations

from affectlab.core.tables import (
    FORMATS,
    MANIFEST,
    BatchReport,
    ResumeMismatchError,
    annotate_file,
    file_format,
    parts_dir,
)

__all__ = ["FORMATS", "MANIFEST", "BatchReport", "ResumeMismatchError", "annotate_file",
           "file_format", "parts_dir"]
