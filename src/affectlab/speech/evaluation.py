"""Speech emotion evaluation as the field reports it: leave-one-speaker-out, UAR and WA.

Every fold trains on nine speakers and tests on the tenth; the test speaker's features are
normalised with that speaker's own statistics (the "speaker" head), as in the GeMAPS paper, and
separately without them (the "global" head: a new voice with nothing known about it).
Hyper-parameters, when a grid is given, are chosen inside each fold by a second
leave-one-speaker-out over the training speakers only, so no test speaker leaks into the choice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectlab import metrics
from affectlab.speech.classifier import SpeechEmotionClassifier


@dataclass
class LosoResult:
    """Per-utterance predictions of a leave-one-speaker-out run, and its scores."""

    labels: list[str]
    gold: list[str]
    predicted: list[str]
    speakers: list[Any]
    head: str
    chosen_C: dict[Any, float] = field(default_factory=dict)

    @property
    def uar(self) -> float:
        return metrics.uar(self.gold, self.predicted)

    @property
    def wa(self) -> float:
        return metrics.weighted_accuracy(self.gold, self.predicted)

    def confusion(self) -> np.ndarray:
        return metrics.confusion_matrix(self.gold, self.predicted, labels=self.labels)

    def recall_per_class(self) -> dict[str, float]:
        cm = self.confusion()
        return {x: float(cm[i, i] / cm[i].sum()) if cm[i].sum() else float("nan")
                for i, x in enumerate(self.labels)}

    def uar_per_speaker(self) -> dict[str, float]:
        return {str(k): v for k, v in metrics.per_subject(
            "uar", self.gold, self.predicted, self.speakers).items()}

    def summary(self) -> dict[str, Any]:
        return {"head": self.head, "uar": round(self.uar, 4), "wa": round(self.wa, 4),
                "recall": {k: round(v, 4) for k, v in self.recall_per_class().items()},
                "uar_per_speaker": {k: round(v, 4) for k, v in self.uar_per_speaker().items()},
                "chosen_C": {str(k): v for k, v in self.chosen_C.items()},
                "labels": self.labels, "confusion": self.confusion().tolist()}


def loso_evaluate(X: np.ndarray, labels: Sequence[Any], speakers: Sequence[Any], *,
                  features: str | Sequence[str] = "egemaps", scheme: str | None = "emodb7",
                  C: float | Sequence[float] = 0.1, head: str = "speaker",
                  progress: bool = False) -> LosoResult:
    """Leave-one-speaker-out predictions from a feature matrix `X`.

    `head` is "speaker" (test speaker normalised with its own statistics) or "global". A list
    of `C` values is searched inside each fold (nested leave-one-speaker-out, by UAR).
    """
    if head not in ("speaker", "global"):
        raise ValueError(f"head must be 'speaker' or 'global', got {head!r}")
    X = np.asarray(X, dtype=np.float64)
    y = _canonical([str(x[0]) if isinstance(x, list | tuple | np.ndarray) else str(x)
                    for x in labels], scheme)
    spk = np.asarray(speakers, dtype=object)
    if not (len(X) == len(y) == len(spk)):
        raise ValueError(f"{len(X)} feature rows, {len(y)} labels, {len(spk)} speaker ids")
    groups = list(dict.fromkeys(spk.tolist()))
    if len(groups) < 2:
        raise ValueError("leave-one-speaker-out needs at least two speakers")
    grid = [float(C)] if np.isscalar(C) else [float(c) for c in C]
    pred = np.empty(len(y), dtype=object)
    chosen: dict[Any, float] = {}
    from affectlab.core.progress import track

    for s in track(groups, f"LOSO ({head})", show=progress):
        test = spk == s
        tr = np.flatnonzero(~test)
        c = grid[0] if len(grid) == 1 else _inner_choice(X[tr], [y[i] for i in tr], spk[tr],
                                                         features, scheme, grid, head)
        chosen[s] = c
        clf = SpeechEmotionClassifier(scheme, features, C=c, min_speaker_utterances=1)
        clf.fit(X[tr], [y[i] for i in tr], spk[tr] if head == "speaker" else None,
                heads=(head,))
        te_spk = spk[test] if head == "speaker" else None
        p = clf.proba_from_features(X[test], te_spk)
        pred[test] = [clf.labels_[i] for i in p.argmax(1)]
    labels_order = _label_order(scheme, y)
    return LosoResult(labels_order, y, pred.tolist(), spk.tolist(), head, chosen)


def _canonical(y: list[str], scheme: str | None) -> list[str]:
    """Gold labels under their scheme's own names (aliases resolved, unknown ones raise), so
    they compare equal to the predictions."""
    if scheme is None:
        return y
    from affectlab.ontology import get_scheme

    sch = get_scheme(scheme)
    names = {x: sch.label(x).name for x in set(y)}
    return [names[x] for x in y]


def _inner_choice(X: np.ndarray, y: list[str], spk: np.ndarray, features: Any,
                  scheme: str | None, grid: list[float], head: str) -> float:
    scores = []
    for c in grid:
        inner = loso_evaluate(X, y, spk, features=features, scheme=scheme, C=c, head=head)
        scores.append(inner.uar)
    return grid[int(np.argmax(scores))]


def _label_order(scheme: str | None, y: list[str]) -> list[str]:
    present = set(y)
    if scheme is None:
        return sorted(present)
    from affectlab.ontology import get_scheme

    return [x for x in get_scheme(scheme).label_names if x in present]


def plot_confusion(result: LosoResult, path: str | os.PathLike[str], title: str = "") -> Path:
    """Row-normalised confusion matrix (recall per class) with counts, saved as PNG (the shared
    `affectlab.core.plots.plot_confusion`, titled with UAR and WA by default)."""
    from affectlab.core.plots import plot_confusion as _plot

    return _plot(result.confusion(), result.labels, path,
                 title=title or f"LOSO UAR {result.uar:.3f}, WA {result.wa:.3f}", normalize=True)


__all__ = ["LosoResult", "loso_evaluate", "plot_confusion"]
