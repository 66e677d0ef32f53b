"""`affectlab.analyze`: per text, the probability of every label of any scheme, the predicted
labels, and valence, arousal, dominance, from one encoder pass of the default (or a given) model.

Rows that are not usable texts are never dropped: they come back with a status ("empty",
"not-text") and no predictions. Texts longer than the model takes are analysed from their
beginning, marked "truncated", and counted in one warning per call.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from affectlab.core.records import make_record
from affectlab.text.classifier import VAD, VAD_DIMS, EmotionClassifier
from affectlab.text.inputs import EMPTY, NOT_TEXT, OK, TRUNCATED, as_text_list, check_text
from affectlab.text.language import NO_WORDS, NON_ENGLISH, language_status

ModelLike = EmotionClassifier | str | os.PathLike[str] | None


@lru_cache(maxsize=4)
def _load_cached(path: str | None) -> EmotionClassifier:
    return EmotionClassifier.load(path)


def get_model(model: ModelLike = None) -> EmotionClassifier:
    """The model to analyse with: the given one, one saved at a path, or the shipped default."""
    if isinstance(model, EmotionClassifier):
        return model
    return _load_cached(None if model is None else str(Path(model).resolve()))


def analyze_frame(values: Iterable[Any], scheme: str | None = None, *, model: ModelLike = None,
                  batch_size: int | None = None, engine: str = "torch") -> pd.DataFrame:
    """One row per input value: status, top label, predicted labels, V/A/D, p_<label> columns.
    `engine`: "torch", "onnx" or "onnx-int8" (see `affectlab.text.onnx_engine`)."""
    clf = get_model(model)
    values = list(values)
    target = _target_scheme(clf, scheme)
    labels = _labels_of(clf, target)
    checked = [check_text(v) for v in values]
    status = np.asarray([s if s != OK else language_status(t) for t, s in checked], dtype=object)
    ok = np.flatnonzero((status == OK) | (status == NON_ENGLISH))  # no-words: nothing to read
    texts = [checked[i][0] for i in ok]
    heads, tokens = clf.forward(texts, batch_size=batch_size, engine=engine)
    n = len(values)
    probs = np.full((n, len(labels)), np.nan)
    if clf.labels_ is not None and len(ok):
        probs[ok] = clf.scheme_proba(heads, target)
    vad = np.full((n, 3), np.nan)
    if clf.has_vad and len(ok):
        vad[ok] = heads[VAD]
    long = ok[tokens > (clf.max_length or 512)]
    status[long] = TRUNCATED
    if len(long):
        warnings.warn(f"{len(long)} text(s) longer than the model's {clf.max_length}-token window "
                      "were analysed from their beginning (status 'truncated')", stacklevel=2)
    columns: dict[str, Any] = {"status": status, "top": _top(probs, labels),
                               "labels": _decide(clf, probs, target, labels)}
    columns.update({d: vad[:, i] for i, d in enumerate(VAD_DIMS)})
    columns.update({f"p_{label}": probs[:, j] for j, label in enumerate(labels)})
    return pd.DataFrame(columns)


def analyze(texts: str | Iterable[Any], scheme: str | None = None, *, model: ModelLike = None,
            batch_size: int | None = None, engine: str = "torch"
            ) -> dict[str, Any] | list[dict[str, Any]]:
    """Analyse one text (returns a dict) or many (a list of dicts, one per input, in order).

    Each result is the shared record (`affectlab.core.records`): source (the text), modality
    "text", status, error, scheme, probs {label: p}, labels (above the model's tuned thresholds
    for that scheme), top (the most probable label), valence, arousal, dominance (on [-1, 1]),
    then `text` (the same text, kept for older scripts). `scheme` is any scheme of the ontology
    (default: the model's own). `engine="onnx"` runs the same network on ONNX Runtime
    (exported once into affectlab's cache; "onnx-int8" quantises its weights).
    """
    values, single = as_text_list(texts)
    clf = get_model(model)
    target = _target_scheme(clf, scheme)
    frame = analyze_frame(values, target, model=clf, batch_size=batch_size, engine=engine)
    labels = _labels_of(clf, target)
    out = []
    for value, row in zip(values, frame.itertuples(index=False), strict=True):
        rec = row._asdict()
        text = value if isinstance(value, str) else None
        status = rec["status"]
        out.append(make_record(
            text, "text", status=status, error=_ERRORS.get(status), scheme=target,
            probs={x: float(rec[f"p_{x}"]) for x in labels}, labels=list(rec["labels"]),
            top=rec["top"] if isinstance(rec["top"], str) else None,
            **{d: float(rec[d]) for d in VAD_DIMS}, text=text))
    return out[0] if single else out


_ERRORS = {EMPTY: "the text is empty", NOT_TEXT: "the value is not text",
           TRUNCATED: "longer than the model's window: analysed from its beginning",
           NO_WORDS: "no word to read (emoji, digits or punctuation only)",
           NON_ENGLISH: "not English: the model reads English only, so this is a guess"}


def _target_scheme(clf: EmotionClassifier, scheme: str | None) -> str | None:
    if scheme is None:
        return clf.scheme
    from affectlab.ontology import get_scheme

    name = get_scheme(scheme).name  # unknown schemes raise with suggestions
    if clf.scheme is None and clf.labels_ is not None:
        raise ValueError("this model's labels belong to no scheme, so it cannot answer in "
                         f"{name!r}; leave scheme unset")
    return name


def _labels_of(clf: EmotionClassifier, scheme: str | None) -> list[str]:
    if clf.labels_ is None:
        return []
    if scheme is None or scheme == clf.scheme:
        return list(clf.labels_)
    from affectlab.ontology import get_scheme

    return list(get_scheme(scheme).label_names)


def _top(probs: np.ndarray, labels: list[str]) -> list[str | None]:
    """Each row's most probable label (the first on a tie); None for a row without any."""
    if not labels:
        return [None] * len(probs)
    finite = np.isfinite(probs)
    best = np.where(finite, probs, -np.inf).argmax(1)
    has = finite.any(1)
    return [labels[j] if ok else None for j, ok in zip(best.tolist(), has.tolist(), strict=True)]


def _decide(clf: EmotionClassifier, probs: np.ndarray, scheme: str | None,
            labels: list[str]) -> list[list[str]]:
    """Each row's labels: the top one for a single-label model, else every label at or above
    its tuned threshold; [] for a row that was not analysed."""
    if not labels:
        return [[] for _ in range(len(probs))]
    if not clf.multi_label:  # one label per text, in its own scheme or carried into another
        return [[x] if x is not None else [] for x in _top(probs, labels)]
    native = scheme is None or scheme == clf.scheme
    th = clf.thresholds(None if native else scheme)
    with np.errstate(invalid="ignore"):
        hits = probs >= th  # NaN (a row not analysed) is never a hit
    rows, cols = np.nonzero(hits)
    out: list[list[str]] = [[] for _ in range(len(probs))]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out[r].append(labels[c])
    return out


__all__ = ["EMPTY", "NON_ENGLISH", "NOT_TEXT", "NO_WORDS", "OK", "TRUNCATED", "analyze",
           "analyze_frame", "get_model"]
