"""Label bookkeeping shared by every classifier of every modality: label order, targets,
thresholds per scheme, and probabilities carried into other schemes through the ontology.

A model that answers in the labels of a scheme (text, speech, face classifiers, baselines)
inherits `SchemeLabelModel` and provides `predict_proba`; it then gets `predict`, `score`,
per-label threshold tuning on dev for its own labels and for every scheme they map into, and
probabilities carried into other schemes through the ontology.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from affectlab.core.errors import UnknownNameError

LABELS = "labels"


def is_multi(labels: Sequence[Any]) -> bool:
    return any(isinstance(x, list | tuple | set | frozenset | np.ndarray) for x in labels)


def label_rows(labels: Sequence[Any]) -> list[list[Any]]:
    """Every text's labels as a list, whether one label or a list of labels was given."""
    return [list(x) if is_multi([x]) else [x] for x in labels]


def check_vad_targets(values: Any, n: int, *, allow_unrated: bool = False) -> np.ndarray:
    """V/A/D targets as a finite (n, 3) float array, or a ValueError saying what is expected.

    With `allow_unrated`, NaN marks a dimension a text was not rated on (every text must be
    rated on at least one)."""
    y = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(y) | (np.isnan(y) if allow_unrated else False)
    if y.shape != (n, 3) or not ok.all() or (n and np.isnan(y).all(1).any()):
        raise ValueError("V/A/D targets must be a finite (n, 3) array: valence, arousal, "
                         "dominance" + (" (NaN where a text was not rated on a dimension)"
                                        if allow_unrated else ""))
    return y


class SchemeLabelModel(BaseEstimator):
    """Labels of a scheme (or the model's own), thresholds per scheme, and ontology mapping.

    Subclasses set `scheme`, `multi_label`, `labels_`, `thresholds_` and define `predict_proba`.
    It is a scikit-learn estimator: hyper-parameters in `__init__`, so `clone` works.
    """

    scheme: str | None
    multi_label: bool | None
    labels_: list[str] | None
    thresholds_: dict[str, dict[str, float]]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def _label_order(self, rows: list[list[Any]]) -> list[str]:
        seen = sorted({str(x) for r in rows for x in r})
        if self.scheme is None:
            if not seen:
                raise ValueError("the training labels are empty")
            return seen
        from affectlab.ontology import get_scheme

        scheme = get_scheme(self.scheme)
        for x in seen:
            scheme.label(x)  # unknown labels raise with suggestions
        return list(scheme.label_names)

    def _targets(self, rows: list[list[Any]], multi: bool) -> np.ndarray:
        index = self._label_index()
        if multi:
            y = np.zeros((len(rows), len(self.labels_)), dtype=np.float32)
            for i, r in enumerate(rows):
                for x in r:
                    y[i, index(x)] = 1.0
            return y
        bad = [r for r in rows if len(r) != 1]
        if bad:
            raise ValueError(f"single-label training needs one label per text; got {bad[0]!r}")
        return np.asarray([index(r[0]) for r in rows], dtype=np.int64)

    def _label_index(self) -> Any:
        assert self.labels_ is not None
        pos = {x: i for i, x in enumerate(self.labels_)}
        scheme = None
        if self.scheme is not None:
            from affectlab.ontology import get_scheme

            scheme = get_scheme(self.scheme)

        def index(label: Any) -> int:
            key = str(label)
            if key in pos:
                return pos[key]
            if scheme is not None:
                return pos[scheme.label(key).name]
            raise UnknownNameError("label", key, self.labels_, context="this model")

        return index

    def predict(self, texts: Sequence[str]) -> list[Any]:
        """Labels per text: a list (multi-label, tuned thresholds) or one label (single-label)."""
        probs = self.predict_proba(texts)
        return self.decide(probs)

    def decide(self, probs: np.ndarray, scheme: str | None = None) -> list[Any]:
        """Turn probabilities into labels with this model's thresholds (0.5 when untuned)."""
        labels = self.labels_ if scheme is None else scheme_labels(scheme)
        if not self.multi_label and scheme is None:
            return [labels[i] for i in probs.argmax(1)]
        th = self.thresholds(scheme)
        return [[labels[j] for j in np.flatnonzero(row >= th)] for row in probs]

    def thresholds(self, scheme: str | None = None) -> np.ndarray:
        """Per-label decision thresholds for this model's labels, or for another scheme's."""
        key = LABELS if scheme is None else scheme_name(scheme)
        labels = self.labels_ if scheme is None else scheme_labels(scheme)
        tuned = self.thresholds_.get(key, {})
        return np.asarray([tuned.get(x, 0.5) for x in labels], dtype=np.float64)

    def score(self, texts: Sequence[str], labels: Sequence[Any]) -> float:
        """Macro-F1 over this model's labels (multi-label with the tuned thresholds)."""
        from affectlab import metrics

        pred = self.predict(texts)
        if self.multi_label:
            return float(metrics.multilabel_f1(self.indicator(labels), self.indicator(pred)))
        index = self._label_index()
        return float(metrics.macro_f1([self.labels_[index(x)] for x in labels], pred,
                                      labels=self.labels_))

    def indicator(self, rows: Sequence[Any]) -> np.ndarray:
        return self._targets(label_rows(rows), True).astype(int)

    def tune_thresholds(self, texts: Sequence[str], labels: Sequence[Any],
                        schemes: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
        """Per-label thresholds maximising dev F1, for this model's labels and, when it was
        trained on a scheme, for every scheme its labels map into (through the ontology)."""
        from affectlab import metrics

        probs = self.predict_proba(texts)
        rows = label_rows(labels)
        if self.multi_label:
            th = metrics.tune_thresholds(self.indicator(rows), probs)
            self.thresholds_[LABELS] = dict(zip(self.labels_, th.tolist(), strict=True))
        if self.scheme is not None:
            for name in (schemes if schemes is not None else categorical_schemes()):
                if name == self.scheme:
                    continue
                mapped, gold = self.map_dev(probs, rows, name)
                if gold.sum() == 0:
                    continue
                th = metrics.tune_thresholds(gold, mapped)
                self.thresholds_[name] = dict(zip(scheme_labels(name), th.tolist(),
                                                  strict=True))
        return self.thresholds_

    def label_vad(self) -> np.ndarray | None:
        """(labels, 3) valence, arousal, dominance of the model's own labels, from the
        ontology; None when the labels belong to no scheme or one has no coordinates."""
        if self.scheme is None or getattr(self, "labels_", None) is None:
            return None
        from affectlab.ontology import label_vad

        rows = []
        for x in self.labels_:
            v = label_vad(x, scheme_name(self.scheme))
            if v is None:
                return None
            rows.append([v.valence, v.arousal, v.dominance])
        return np.asarray(rows, dtype=np.float64)

    def map_proba(self, probs: np.ndarray, scheme: str) -> np.ndarray:
        """Probabilities carried into `scheme` through the ontology (noisy-or for multi-label)."""
        from affectlab import ontology

        if self.scheme is None:
            raise ValueError("this model's labels belong to no scheme, so they cannot be mapped")
        if scheme_name(scheme) == self.scheme:
            return probs
        combine = "noisy-or" if self.multi_label else "sum"
        return ontology.map_proba(probs, self.scheme, scheme, combine=combine).probs

    def map_dev(self, probs: np.ndarray, rows: list[list[Any]], scheme: str
                ) -> tuple[np.ndarray, np.ndarray]:
        """Mapped probabilities and mapped gold indicators in `scheme` (for tuning, evaluation)."""
        from affectlab import ontology

        mapped = self.map_proba(probs, scheme)
        target = scheme_labels(scheme)
        pos = {x: i for i, x in enumerate(target)}
        gold = np.zeros((len(rows), len(target)), dtype=int)
        for i, r in enumerate(rows):
            for x in r:
                for t in ontology.map_label(str(x), self.scheme, scheme):
                    gold[i, pos[t]] = 1
        return mapped, gold


def scheme_name(name: str) -> str:
    from affectlab.ontology import get_scheme

    return get_scheme(name).name


def scheme_labels(name: str) -> list[str]:
    from affectlab.ontology import get_scheme

    return list(get_scheme(name).label_names)


def categorical_schemes() -> list[str]:
    from affectlab.ontology import get_scheme, schemes

    return [s for s in schemes() if get_scheme(s).kind == "categorical"]
