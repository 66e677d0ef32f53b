"""Emotion probes on language-model activations, as scikit-learn classifiers.

Two probes from "Decoding Emotion in the Deep": a linear probe (optional standardisation plus
multinomial logistic regression) and the paper's two-layer MLP probe (Linear -> ReLU -> Linear)
trained with Adam at lr 1e-4 for one epoch, 10% linear warm-up then cosine decay to 0. Both follow
the scikit-learn estimator contract, so `clone`, `cross_val_score` and grid search work on them.
X is an (n_samples, n_features) array of activations (numpy or torch); y any 1-D labels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d

from affectlab.core.errors import NotFittedError

__all__ = ["LinearProbe", "MLPProbe", "ProbeNotFittedError", "probe_outputs", "require_fitted",
           "warmup_cosine"]


class ProbeNotFittedError(NotFittedError, _SklearnNotFittedError):
    """A probe used before `fit`: affectlab's `NotFittedError`, and scikit-learn's too, so
    scikit-learn's own checks and ``except sklearn.exceptions.NotFittedError`` still hold."""


def require_fitted(estimator: BaseEstimator, attribute: str) -> None:
    """Raise `ProbeNotFittedError` unless `estimator` has its fitted `attribute`."""
    if not hasattr(estimator, attribute):
        raise ProbeNotFittedError(estimator, "call fit(X, y) first")


# --- input checking -------------------------------------------------------------------------


def _from_torch(x: Any) -> Any:
    """A torch tensor as a CPU numpy array (without importing torch); anything else unchanged.
    Half-precision tensors (bfloat16 has no numpy dtype) are widened to float32."""
    if hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy"):
        x = x.detach().cpu()
        if x.is_floating_point() and x.element_size() < 4:
            x = x.float()
        return x.numpy()
    return x


def _check_X(X: Any, fitted: BaseEstimator | None = None) -> np.ndarray:
    """X as a finite 2-D float32/float64 array; when `fitted` is given, its columns must match
    `fitted.n_features_in_`. Sparse, complex and non-numeric input is refused."""
    X = _from_torch(X)
    if not sp.issparse(X):
        dense = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X)
        if dense.ndim != 2:
            raise ValueError(
                f"X must be 2-D (n_samples, n_features), got shape {dense.shape}. Reshape your "
                "data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample"
            )
        if dense.dtype.kind in "fiu" and not np.isfinite(dense).all():
            bad = int((~np.isfinite(dense)).any(axis=1).sum())
            raise ValueError(f"X contains NaN or infinity in {bad} row(s)")
    arr = check_array(X, dtype=(np.float64, np.float32), input_name="X")
    if fitted is not None and arr.shape[1] != fitted.n_features_in_:
        raise ValueError(
            f"X has {arr.shape[1]} features, but {type(fitted).__name__} is expecting "
            f"{fitted.n_features_in_} features as input"
        )
    return arr


def _check_Xy(
    X: Any, y: Any, estimator: BaseEstimator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked X, y, the sorted classes and y as class indices; at least 2 classes."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None"
        )
    arr = _check_X(X)
    labels = column_or_1d(np.asarray(_from_torch(y)), warn=True)
    if labels.shape[0] != arr.shape[0]:
        raise ValueError(f"X has {arr.shape[0]} rows but y has {labels.shape[0]} labels")
    check_classification_targets(labels)
    classes, codes = np.unique(labels, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"y holds one class only ({classes[0]!r}): a probe needs at least 2 classes"
        )
    return arr, labels, classes, codes.ravel()


# --- linear probe ---------------------------------------------------------------------------


class LinearProbe(ClassifierMixin, BaseEstimator):
    """Linear probe: optional StandardScaler, then multinomial logistic regression (lbfgs).

    `C` is the inverse L2 strength, `max_iter` the solver's iteration cap. Fitted attributes:
    `classes_`, `n_features_in_`, `n_iter_`, `pipeline_` (the fitted scikit-learn Pipeline).
    """

    def __init__(
        self,
        C: float = 1.0,
        max_iter: int = 1000,
        standardize: bool = True,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.standardize = standardize
        self.random_state = random_state

    def fit(self, X: Any, y: ArrayLike) -> LinearProbe:
        """Fit on activations X (n_samples, n_features) and labels y."""
        arr, labels, classes, _ = _check_Xy(X, y, self)
        arr = arr.astype(np.float64, copy=False)  # lbfgs in float64; outputs float64 too
        steps: list[tuple[str, Any]] = []
        if self.standardize:
            steps.append(("scale", StandardScaler()))
        steps.append(
            (
                "logreg",
                LogisticRegression(
                    C=self.C, max_iter=self.max_iter, random_state=self.random_state
                ),
            )
        )
        self.pipeline_ = Pipeline(steps).fit(arr, labels)
        self.classes_ = classes
        self.n_features_in_ = arr.shape[1]
        self.n_iter_ = self.pipeline_[-1].n_iter_
        return self

    def _X(self, X: Any) -> np.ndarray:
        return _check_X(X, self).astype(np.float64, copy=False)

    def decision_function(self, X: Any) -> np.ndarray:
        """Per-class scores (logits), shape (n_samples, n_classes), or (n_samples,) for 2 classes
        as in scikit-learn."""
        require_fitted(self, "pipeline_")
        return self.pipeline_.decision_function(self._X(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in `classes_` order."""
        require_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(self._X(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class per row."""
        require_fitted(self, "pipeline_")
        return self.pipeline_.predict(self._X(X))


# --- MLP probe ------------------------------------------------------------------------------


def warmup_cosine(step: int, total: int, warmup_fraction: float) -> float:
    """Learning-rate multiplier at optimiser step `step` (0-based) of `total`: linear warm-up from
    0 over the first ``ceil(warmup_fraction * total)`` steps, then cosine decay from 1 to 0.

    Same convention as Hugging Face's cosine schedule with warm-up, which the paper's training
    follows: step 0 has multiplier 0 when there is any warm-up, and the multiplier reaches 0 at
    `total`.
    """
    if total < 1:
        raise ValueError(f"total must be at least 1 step, got {total}")
    if not 0.0 <= warmup_fraction <= 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1], got {warmup_fraction}")
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    warm = math.ceil(warmup_fraction * total)
    if step < warm:
        return step / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def check_training_params(est: Any, positive_ints: tuple[str, ...]) -> None:
    """Clear errors for a torch-trained probe's hyper-parameters (shared by the MLP probes)."""
    for name in positive_ints:
        value = getattr(est, name)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    seed = est.random_state
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"random_state must be an int seed, got {seed!r}")
    if not est.lr > 0:
        raise ValueError(f"lr must be > 0, got {est.lr!r}")
    if not 0.0 <= est.warmup <= 1.0:
        raise ValueError(f"warmup must be a fraction in [0, 1], got {est.warmup!r}")
    if not est.weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {est.weight_decay!r}")


def fit_standardizer(est: Any, arr: np.ndarray) -> None:
    """Set `est.mean_`/`est.scale_` from `arr` (a constant feature keeps scale 1), or None when
    `est.standardize` is off."""
    if est.standardize:
        est.mean_ = arr.mean(axis=0, dtype=np.float64)
        scale = arr.std(axis=0, dtype=np.float64)
        est.scale_ = np.where(scale > 0, scale, 1.0)
    else:
        est.mean_ = est.scale_ = None


def train_classifier(est: Any, model: Any, inputs: tuple[Any, ...],
                     targets: Any) -> tuple[int, list[float], list[float]]:
    """The probes' training loop: cross-entropy, Adam (`est.lr`, `est.weight_decay`) over
    `est.epochs` of shuffled mini-batches of `est.batch_size`, linear warm-up then cosine decay;
    deterministic for `est.random_state`. `model(*batch_inputs)` gives logits. Returns (steps,
    loss per step, learning rate per step); the model is left in eval mode."""
    import torch
    from torch import nn

    n = len(targets)
    total = math.ceil(n / est.batch_size) * est.epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=est.lr, weight_decay=est.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, total, est.warmup))
    generator = torch.Generator().manual_seed(int(est.random_state))
    losses: list[float] = []
    lrs: list[float] = []
    model.train()
    for _ in range(est.epochs):
        order = torch.randperm(n, generator=generator).to(est.device)
        for start in range(0, n, est.batch_size):
            batch = order[start : start + est.batch_size]
            loss = nn.functional.cross_entropy(model(*(x[batch] for x in inputs)),
                                               targets[batch])
            optimizer.zero_grad()
            loss.backward()
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
    model.eval()
    return total, losses, lrs


class MLPProbe(ClassifierMixin, BaseEstimator):
    """The paper's MLP probe: Linear(d, hidden) -> ReLU -> Linear(hidden, n_classes), trained
    with cross-entropy and Adam (`lr`, `weight_decay`) for `epochs` over shuffled mini-batches,
    under a linear warm-up (`warmup` fraction of all steps) then cosine decay to 0.

    Defaults are the paper's (Adam, lr 1e-4, 1 epoch, 10% warm-up). Training is deterministic for
    a `random_state`, and the global torch RNG is left untouched. Fitted attributes: `classes_`,
    `n_features_in_`, `mean_`/`scale_` (standardisation, None when off), `model_` (the torch
    module), `n_steps_`, `loss_curve_` and `lr_curve_` (one entry per optimiser step).
    """

    def __init__(
        self,
        hidden: int = 256,
        epochs: int = 1,
        lr: float = 1e-4,
        batch_size: int = 32,
        warmup: float = 0.1,
        weight_decay: float = 0.0,
        standardize: bool = True,
        random_state: int = 0,
        device: str = "cpu",
    ) -> None:
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.random_state = random_state
        self.device = device

    def _check_params(self) -> None:
        check_training_params(self, ("hidden", "epochs", "batch_size"))

    def _inputs(self, arr: np.ndarray) -> Any:
        """Standardised float32 tensor on the probe's device."""
        import torch

        if self.mean_ is not None:
            arr = (arr - self.mean_) / self.scale_
        return torch.as_tensor(np.ascontiguousarray(arr, dtype=np.float32), device=self.device)

    def fit(self, X: Any, y: ArrayLike) -> MLPProbe:
        """Train on activations X (n_samples, n_features) and labels y."""
        import torch
        from torch import nn

        self._check_params()
        arr, _, classes, codes = _check_Xy(X, y, self)
        d = arr.shape[1]
        self.classes_ = classes
        self.n_features_in_ = d
        fit_standardizer(self, arr)
        seed = int(self.random_state)
        with torch.random.fork_rng(devices=[]):  # model init must not move the global RNG
            torch.manual_seed(seed)
            model = nn.Sequential(
                nn.Linear(d, self.hidden), nn.ReLU(), nn.Linear(self.hidden, classes.size)
            )
        model = model.to(self.device)
        targets = torch.as_tensor(codes, dtype=torch.long, device=self.device)
        self.n_steps_, self.loss_curve_, self.lr_curve_ = train_classifier(
            self, model, (self._inputs(arr),), targets)
        self.model_ = model
        return self

    def logits(self, X: Any) -> np.ndarray:
        """Pre-softmax class scores, shape (n_samples, n_classes), as float64."""
        import torch

        require_fitted(self, "model_")
        arr = _check_X(X, self)
        with torch.no_grad():
            out = self.model_(self._inputs(arr))
        return out.detach().cpu().numpy().astype(np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (float64, rows sum to 1), columns in `classes_` order."""
        z = self.logits(X)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class per row."""
        require_fitted(self, "model_")
        return self.classes_[np.argmax(self.logits(X), axis=1)]


# --- outputs for analysis -------------------------------------------------------------------


def probe_outputs(probe: LinearProbe | MLPProbe, X: Any) -> np.ndarray:
    """A fitted probe's per-class scores, shape (n_samples, n_classes), e.g. for a PCA view.

    LinearProbe: its decision function; with 2 classes the single logit d becomes the columns
    (-d/2, d/2), whose softmax equals `predict_proba`. MLPProbe: the pre-softmax logits.
    """
    if isinstance(probe, MLPProbe):
        return probe.logits(X)
    if isinstance(probe, LinearProbe):
        scores = np.asarray(probe.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.column_stack([-scores / 2.0, scores / 2.0])
        return scores
    raise TypeError(f"expected a LinearProbe or MLPProbe, got {type(probe).__name__}")
