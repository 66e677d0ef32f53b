"""The one result record every analyser returns (text, speech, music, and faces and video next):

    source, modality, status, error, scheme, probs, labels, top, valence, arousal, dominance,

then the modality's own fields (text: `text`; audio: `seconds`, `flags`, ...). `status` is "ok"
or the name of what went wrong (a record is never dropped); `error` says it in words. Every
float is rounded to `DIGITS` places and NaN becomes None, by one rule (`clean`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

OK = "ok"
DIGITS = 6
MODALITIES = ("text", "speech", "music", "face", "video")
FIELDS = ("source", "modality", "status", "error", "scheme", "probs", "labels", "top",
          "valence", "arousal", "dominance")
VAD_DIMS = ("valence", "arousal", "dominance")


def clean(value: Any) -> Any:
    """The rounding rule: floats to `DIGITS` places, NaN/inf to None, numpy scalars and arrays to
    Python, applied through dicts, lists and tuples."""
    if value is None or isinstance(value, bool | str):
        return value
    if hasattr(value, "tolist") and not isinstance(value, int | float):
        value = value.tolist()  # numpy scalar or array
    if isinstance(value, float):
        return round(value, DIGITS) if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def make_record(source: Any, modality: str, *, status: str = OK, error: str | None = None,
                scheme: str | None = None, probs: Mapping[str, float] | None = None,
                labels: Sequence[str] | None = None, top: str | None = None,
                valence: float | None = None, arousal: float | None = None,
                dominance: float | None = None, **extra: Any) -> dict[str, Any]:
    """One result in the shared shape (see the module docstring); `extra` fields follow the
    common ones in the order given. `top` defaults to the most probable label."""
    if modality not in MODALITIES:
        raise ValueError(f"unknown modality {modality!r}: one of {', '.join(MODALITIES)}")
    probs = clean(dict(probs or {}))
    if top is None and probs and status == OK:
        finite = {k: v for k, v in probs.items() if v is not None}
        top = max(finite, key=finite.__getitem__) if finite else None
    record = {
        "source": None if source is None else str(source),
        "modality": modality,
        "status": status,
        "error": error,
        "scheme": scheme,
        "probs": probs,
        "labels": list(labels or []),
        "top": top,
        "valence": clean(valence),
        "arousal": clean(arousal),
        "dominance": clean(dominance),
    }
    for key, value in extra.items():  # a common field given twice is a TypeError already
        record[key] = clean(value)
    return record


def failed_record(source: Any, modality: str, status: str, error: str, *,
                  scheme: str | None = None, **extra: Any) -> dict[str, Any]:
    """A record for an input that could not be analysed: no predictions, `status` says why."""
    if status == OK:
        raise ValueError("a failed record needs a status other than 'ok'")
    return make_record(source, modality, status=status, error=error, scheme=scheme, **extra)


def exit_code(records: Sequence[Mapping[str, Any]], ok: Sequence[str] = (OK,)) -> int:
    """The CLI's exit code for a batch: 0 when every record's status is in `ok`, else 1."""
    return 0 if all(r.get("status") in ok for r in records) else 1


__all__ = ["DIGITS", "FIELDS", "MODALITIES", "OK", "VAD_DIMS", "clean", "exit_code",
           "failed_record", "make_record"]
