"""Layer sweep: one emotion probe per layer, as in "Decoding Emotion in the Deep".

For each depth of the residual stream (0 = embeddings, L = last block), a probe is fitted on
the training texts' pooled activations, balanced by the paper's rules (minority classes
oversampled, neutral downsampled to the largest emotion class), and scored on a test set
undersampled to its smallest class. The result names the peak layer and the accuracy at the
paper's depth fractions 0/25/50/75/100%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone

from affectlab import metrics
from affectlab.core.progress import progress_bar
from affectlab.lm.model.activations import extract
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.probing.balance import balance_train, undersample_test
from affectlab.lm.probing.probe_data import ProbeSet
from affectlab.lm.probing.probes import LinearProbe, MLPProbe, probe_outputs

DEPTH_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class LayerScore:
    layer: int
    depth: float
    accuracy: float
    macro_f1: float


@dataclass
class SweepResult:
    """Per-layer probe scores for one model, data set and input format."""

    model: str
    dataset: str
    scheme: str
    labels: list[str]
    input: str  # "raw" or "chat"
    probe: str
    pooling: str
    n_train: int  # balanced training rows
    n_test: int  # undersampled test rows
    layers: list[LayerScore]
    peak: LayerScore
    depth_fractions: dict[str, LayerScore]
    confusion: list[list[int]]  # at the peak layer, rows = true, columns = predicted
    per_class_f1: dict[str, float]  # at the peak layer
    settings: dict[str, Any] = field(default_factory=dict)
    # kept in memory for plots, left out of to_dict()
    test_outputs: np.ndarray | None = field(default=None, repr=False)
    test_labels: list[str] | None = field(default=None, repr=False)

    @property
    def chance(self) -> float:
        return 1.0 / len(self.labels)

    def accuracies(self) -> np.ndarray:
        return np.array([s.accuracy for s in self.layers])

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("test_outputs")
        out.pop("test_labels")
        out["chance"] = self.chance
        return out


def depth_layer(fraction: float, n_sites: int) -> int:
    """The layer at a relative depth, halves rounded up (25% and 75% of 30 are 8 and 23)."""
    return math.floor(fraction * (n_sites - 1) + 0.5)


def make_probe(kind: str | Any = "linear", **params: Any) -> Any:
    """A fresh probe: "linear" (logistic regression), "mlp" (the paper's 2-layer probe) or an
    estimator instance (cloned)."""
    if not isinstance(kind, str):
        return clone(kind)
    if kind == "linear":
        return LinearProbe(**params)
    if kind == "mlp":
        return MLPProbe(**params)
    raise ValueError(f"probe must be 'linear', 'mlp' or an estimator, got {kind!r}")


def balanced_indices(probe_set: ProbeSet, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices after the paper's balancing rules."""
    neutral = "neutral" if "neutral" in probe_set.labels else None
    train = balance_train(np.asarray(probe_set.train_labels), neutral=neutral, seed=seed)
    test = undersample_test(np.asarray(probe_set.test_labels), seed=seed)
    return train, test


def sweep_arrays(x_train: np.ndarray, y_train: Sequence[str], x_test: np.ndarray,
                 y_test: Sequence[str], labels: Sequence[str], *, probe: str | Any = "linear",
                 layers: Sequence[int] | None = None, seed: int = 0, progress: bool = True,
                 input_name: str = "raw", model_name: str = "", dataset: str = "",
                 scheme: str = "", pooling: str = "last",
                 probe_params: dict[str, Any] | None = None) -> SweepResult:
    """Fit and score one probe per layer on (rows, layers, d) arrays that are already balanced."""
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if x_train.ndim != 3 or x_test.ndim != 3 or x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(f"activations must be (rows, layers, d) with matching layers and d, got "
                         f"{x_train.shape} and {x_test.shape}")
    n_sites = x_train.shape[1]
    wanted = list(range(n_sites)) if layers is None else sorted(set(layers))
    for k in wanted:
        if not 0 <= k < n_sites:
            raise IndexError(f"layer {k} is out of range (0..{n_sites - 1})")
    params = dict(probe_params or {})
    labels = list(labels)
    scores: list[LayerScore] = []
    fitted: dict[int, Any] = {}
    with progress_bar(progress, len(wanted), f"probes ({input_name})") as advance:
        for k in wanted:
            est = make_probe(probe, **params)
            if "random_state" in est.get_params():
                est.set_params(random_state=seed)
            est.fit(x_train[:, k], y_train)
            pred = est.predict(x_test[:, k])
            depth = k / max(n_sites - 1, 1)
            scores.append(LayerScore(k, depth, metrics.accuracy(y_test, pred),
                                     metrics.macro_f1(y_test, pred, labels=labels)))
            fitted[k] = est
            advance(1)
    peak = max(scores, key=lambda s: (s.accuracy, s.macro_f1))
    by_layer = {s.layer: s for s in scores}
    fractions = {}
    for f in DEPTH_FRACTIONS:
        k = depth_layer(f, n_sites)
        if k in by_layer:
            fractions[f"{round(f * 100)}%"] = by_layer[k]
    best = fitted[peak.layer]
    x_peak = x_test[:, peak.layer]
    pred = best.predict(x_peak)
    confusion = metrics.confusion_matrix(y_test, pred, labels=labels)
    per_class = metrics.per_class_f1(y_test, pred, labels=labels)
    return SweepResult(
        model=model_name, dataset=dataset, scheme=scheme, labels=labels,
        input=input_name, probe=probe if isinstance(probe, str) else type(probe).__name__,
        pooling=pooling, n_train=len(y_train), n_test=len(y_test), layers=scores,
        peak=peak, depth_fractions=fractions,
        confusion=np.asarray(confusion).astype(int).tolist(),
        per_class_f1={str(k): float(v) for k, v in per_class.items()},
        settings={"seed": seed, **params}, test_outputs=probe_outputs(best, x_peak),
        test_labels=[str(v) for v in y_test])


@dataclass
class SweepInputs:
    """Balanced rows of a probe set and their activations: what `sweep_arrays` needs."""

    x_train: np.ndarray
    y_train: list[str]
    x_test: np.ndarray
    y_test: list[str]
    train_texts: list[str]
    test_texts: list[str]


def sweep_inputs(lm: LanguageModel, probe_set: ProbeSet, *, chat: bool = False,
                 system: str | None = None, pooling: str = "last", seed: int = 0,
                 batch_size: int = 32, cache: bool = True, progress: bool = True) -> SweepInputs:
    """Balance the probe set, then extract activations only for the distinct rows it keeps."""
    tr_idx, te_idx = balanced_indices(probe_set, seed)
    kw = {"chat": chat, "system": system, "pooling": pooling, "batch_size": batch_size,
          "cache": cache, "progress": progress}
    out = []
    for texts, labels, idx in ((probe_set.train_texts, probe_set.train_labels, tr_idx),
                               (probe_set.test_texts, probe_set.test_labels, te_idx)):
        unique = np.unique(idx)  # oversampled rows are computed once
        acts = extract(lm, [texts[i] for i in unique], **kw)
        where = np.searchsorted(unique, idx)
        out.append((acts.values[where], [labels[i] for i in idx], [texts[i] for i in idx]))
    (xa, ya, ta), (xb, yb, tb) = out
    return SweepInputs(xa, ya, xb, yb, ta, tb)


def layer_sweep(lm: LanguageModel, probe_set: ProbeSet, *, probe: str | Any = "linear",
                chat: bool = False, system: str | None = None, pooling: str = "last",
                layers: Sequence[int] | None = None, seed: int = 0, batch_size: int = 32,
                cache: bool = True, progress: bool = True,
                probe_params: dict[str, Any] | None = None,
                inputs: SweepInputs | None = None) -> SweepResult:
    """One probe per layer of `lm` on a probe set, raw text (default) or chat-template input.

    Pass `inputs` (from `sweep_inputs`) to reuse activations across probes.
    """
    data = inputs or sweep_inputs(lm, probe_set, chat=chat, system=system, pooling=pooling,
                                  seed=seed, batch_size=batch_size, cache=cache,
                                  progress=progress)
    return sweep_arrays(data.x_train, data.y_train, data.x_test, data.y_test, probe_set.labels,
                        probe=probe, layers=layers, seed=seed, progress=progress,
                        input_name="chat" if chat else "raw", model_name=lm.name,
                        dataset=probe_set.name, scheme=probe_set.scheme, pooling=pooling,
                        probe_params=probe_params)
