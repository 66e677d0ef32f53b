"""Label bookkeeping for text models: the shared `SchemeLabelModel` (now in
`affectlab.ontology.label_model`, used by every modality) and the checks of training texts."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from affectlab.ontology.label_model import (  # noqa: F401
    LABELS,
    SchemeLabelModel,
    categorical_schemes,
    check_vad_targets,
    is_multi,
    label_rows,
    scheme_labels,
    scheme_name,
)


def check_training_texts(texts: Sequence[Any], what: str) -> list[str]:
    texts = list(texts)
    if not texts:
        raise ValueError(f"no {what} to train on")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ValueError(f"{len(bad)} {what} are empty or not strings (first at index {bad[0]}); "
                         "clean the training data first")
    return texts


def check_texts(texts: Sequence[Any]) -> list[str]:
    """Inputs to predict_*: strings only (analyze() handles empty and non-text rows)."""
    from affectlab.text.inputs import check_text

    if isinstance(texts, str):
        raise TypeError("give a list of texts (use analyze() for a single text)")
    out = []
    for i, t in enumerate(texts):
        value, status = check_text(t)
        if status != "ok":
            raise ValueError(f"text {i} is {status}; predict_* needs non-empty strings "
                             "(analyze() marks such rows instead)")
        out.append(value)
    if not out:
        warnings.warn("no texts given", stacklevel=3)
    return out
