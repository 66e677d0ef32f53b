"""Annotating big text files, resumably: the table machinery lives in `affectlab.core.tables`
(re-exported here for existing imports); `text_annotator` is the picklable recipe an engine's
workers (Ray actors) call once to build the same annotate function a local run uses."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from affectlab.core.tables import (
    FORMATS,
    MANIFEST,
    BatchReport,
    ResumeMismatchError,
    annotate_file,
    file_format,
    parts_dir,
)


def annotate_texts(values: list[Any], *, model: Any, scheme: str | None, batch_size: int,
                   engine: str = "torch") -> pd.DataFrame:
    """`analyze_frame` for one chunk of a file, its per-call truncation warning silenced (the
    status column counts truncated rows)."""
    from affectlab.text.analyze import analyze_frame

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze_frame(values, scheme, model=model, batch_size=batch_size, engine=engine)


def build_text_annotator(model: str | None, scheme: str | None,
                         batch_size: int) -> Callable[[list[Any]], pd.DataFrame]:
    """Load the model (a saved folder, or None for the shipped default) and return
    `annotate(values) -> DataFrame`, the per-chunk function of `annotate_file`."""
    from affectlab.text.analyze import get_model

    return partial(annotate_texts, model=get_model(model), scheme=scheme, batch_size=batch_size)


def text_annotator(model: str | None, scheme: str | None,
                   batch_size: int = 64) -> Callable[[], Callable[[list[Any]], pd.DataFrame]]:
    """A picklable factory of `build_text_annotator(model, scheme, batch_size)` (for engines)."""
    return partial(build_text_annotator, model, scheme, batch_size)


__all__ = ["FORMATS", "MANIFEST", "BatchReport", "ResumeMismatchError", "annotate_file",
           "annotate_texts", "build_text_annotator", "file_format", "parts_dir",
           "text_annotator"]
