"""Linear and MLP emotion probes: accuracy on separable blobs, sklearn contract, schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from affectlab.lm.probing.probes import LinearProbe, MLPProbe, probe_outputs, warmup_cosine

FAST_MLP = {"epochs": 20, "lr": 1e-3, "hidden": 32}


def _blobs(n_per: int = 60, d: int = 20, k: int = 3, seed: int = 0, labels=None):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    X = np.concatenate([c + rng.normal(size=(n_per, d)) for c in centres]).astype(np.float32)
    names = labels if labels is not None else list(range(k))
    y = np.repeat(np.array(names), n_per)
    order = rng.permutation(len(y))
    return X[order], y[order]


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from threads, and thread contention on a busy CI box is slow."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def blobs():
    return _blobs(labels=["anger", "joy", "sadness"])


# --- schedule -------------------------------------------------------------------------------


def test_warmup_cosine_exact_values() -> None:
    total, frac = 100, 0.1
    assert [warmup_cosine(s, total, frac) for s in range(11)] == pytest.approx(
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    )
    for s in range(10, 101):
        expected = 0.5 * (1 + math.cos(math.pi * (s - 10) / 90))
        assert warmup_cosine(s, total, frac) == pytest.approx(expected)
    assert warmup_cosine(55, total, frac) == pytest.approx(0.5)
    assert warmup_cosine(100, total, frac) == pytest.approx(0.0, abs=1e-12)
    # no warm-up: cosine from the first step; warm-up steps round up
    assert warmup_cosine(0, 10, 0.0) == 1.0
    assert warmup_cosine(1, 7, 0.1) == 1.0  # ceil(0.7) = 1 warm-up step


def test_warmup_cosine_errors() -> None:
    with pytest.raises(ValueError, match="total"):
        warmup_cosine(0, 0, 0.1)
    with pytest.raises(ValueError, match="warmup_fraction"):
        warmup_cosine(0, 10, 1.5)
    with pytest.raises(ValueError, match="step"):
        warmup_cosine(-1, 10, 0.1)


def test_mlp_uses_schedule(blobs) -> None:
    X, y = blobs
    probe = MLPProbe(epochs=2, lr=1e-3, batch_size=16, hidden=8).fit(X, y)
    total = 2 * math.ceil(len(y) / 16)
    assert probe.n_steps_ == total == len(probe.loss_curve_) == len(probe.lr_curve_)
    expected = [1e-3 * warmup_cosine(s, total, 0.1) for s in range(total)]
    assert probe.lr_curve_ == pytest.approx(expected)
    peak = int(np.argmax(probe.lr_curve_))
    assert peak == math.ceil(0.1 * total)
    assert np.all(np.diff(probe.lr_curve_[: peak + 1]) > 0)
    assert np.all(np.diff(probe.lr_curve_[peak:]) < 0)


# --- accuracy and contract ------------------------------------------------------------------


def test_paper_defaults() -> None:
    p = MLPProbe()
    assert (p.epochs, p.lr, p.warmup, p.hidden, p.batch_size) == (1, 1e-4, 0.1, 256, 32)
    assert p.get_params()["device"] == "cpu"


@pytest.mark.parametrize("make", [lambda: LinearProbe(), lambda: MLPProbe(**FAST_MLP)])
def test_probes_separate_blobs_with_string_labels(make, blobs) -> None:
    X, y = blobs
    probe = make().fit(X[:120], y[:120])
    assert list(probe.classes_) == ["anger", "joy", "sadness"]
    assert probe.score(X[120:], y[120:]) >= 0.95
    pred = probe.predict(X[120:])
    assert set(pred.tolist()) <= {"anger", "joy", "sadness"}
    proba = probe.predict_proba(X[120:])
    assert proba.dtype == np.float64 and proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(probe.classes_[proba.argmax(axis=1)], pred)


def test_mlp_loss_decreases(blobs) -> None:
    X, y = blobs
    probe = MLPProbe(**FAST_MLP).fit(X, y)
    curve = np.asarray(probe.loss_curve_)
    assert curve[-5:].mean() < 0.5 * curve[:5].mean()


def test_mlp_deterministic_and_global_rng_untouched(blobs) -> None:
    X, y = blobs
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = MLPProbe(**FAST_MLP, random_state=4).fit(X, y).predict_proba(X)
    assert torch.equal(torch.get_rng_state(), state)
    b = MLPProbe(**FAST_MLP, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = MLPProbe(**FAST_MLP, random_state=5).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_linear_deterministic(blobs) -> None:
    X, y = blobs
    a = LinearProbe().fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, LinearProbe().fit(X, y).predict_proba(X))


def test_mlp_accepts_torch_and_float64(blobs) -> None:
    X, y = blobs
    ref = MLPProbe(**FAST_MLP).fit(X, y)
    from_torch = MLPProbe(**FAST_MLP).fit(
        torch.from_numpy(X), torch.as_tensor(np.unique(y, return_inverse=True)[1])
    )
    np.testing.assert_allclose(
        ref.predict_proba(X), from_torch.predict_proba(torch.from_numpy(X)), atol=1e-6
    )
    np.testing.assert_allclose(
        ref.predict_proba(X.astype(np.float64)), ref.predict_proba(X), atol=1e-6
    )
    assert LinearProbe().fit(torch.from_numpy(X), y).score(torch.from_numpy(X), y) >= 0.95
    half = torch.from_numpy(X).to(torch.bfloat16)  # LM activations often come as bfloat16
    assert ref.score(half, y) >= 0.95


def test_mlp_without_standardize(blobs) -> None:
    X, y = blobs
    probe = MLPProbe(**FAST_MLP, standardize=False).fit(X, y)
    assert probe.mean_ is None and probe.scale_ is None
    assert probe.score(X, y) >= 0.95


@pytest.mark.parametrize("est", [LinearProbe(C=0.5, standardize=False), MLPProbe(hidden=16)])
def test_clone_keeps_params_and_drops_fit(est, blobs) -> None:
    X, y = blobs
    est.fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "classes_")


@pytest.mark.parametrize("est", [LinearProbe(C=0.3, max_iter=500, standardize=False,
                                             random_state=7),
                                 MLPProbe(hidden=16, epochs=3, lr=5e-3, batch_size=16,
                                          warmup=0.2, weight_decay=1e-4, random_state=4)])
def test_a_clone_refits_to_the_same_probe(est, blobs) -> None:
    """Hyper-parameters are stored unchanged, so a clone of a fitted probe is the unfitted
    probe with the same settings, and refitting it gives the same predictions."""
    X, y = blobs
    params = est.get_params()
    est.fit(X, y)
    assert est.get_params() == params  # fit changes no hyper-parameter
    copy = clone(est)
    assert copy.get_params() == params and copy is not est
    assert not any(name.endswith("_") and not name.startswith("_") for name in vars(copy))
    copy.fit(X, y)
    np.testing.assert_allclose(copy.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))


@pytest.mark.parametrize("est", [LinearProbe(), MLPProbe(**FAST_MLP)])
def test_cross_val_score(est, blobs) -> None:
    X, y = blobs
    scores = cross_val_score(est, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() >= 0.9


# --- outputs for PCA ------------------------------------------------------------------------


def test_probe_outputs(blobs) -> None:
    X, y = blobs
    lin = LinearProbe().fit(X, y)
    out = probe_outputs(lin, X)
    assert out.shape == (len(y), 3)
    np.testing.assert_allclose(out, lin.decision_function(X))
    mlp = MLPProbe(**FAST_MLP).fit(X, y)
    logits = probe_outputs(mlp, X)
    soft = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(soft / soft.sum(1, keepdims=True), mlp.predict_proba(X))
    with pytest.raises(TypeError, match="LinearProbe or MLPProbe"):
        probe_outputs(object(), X)  # type: ignore[arg-type]


def test_probe_outputs_binary_linear() -> None:
    X, y = _blobs(k=2)
    lin = LinearProbe().fit(X, y)
    out = probe_outputs(lin, X)
    assert out.shape == (len(y), 2)
    soft = np.exp(out - out.max(1, keepdims=True))
    np.testing.assert_allclose(soft / soft.sum(1, keepdims=True), lin.predict_proba(X), atol=1e-10)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [LinearProbe, MLPProbe])
def test_errors(make, blobs) -> None:
    X, y = blobs
    with pytest.raises(ValueError, match="2-D"):
        make().fit(X[0], y[:1])
    with pytest.raises(ValueError, match="rows but y has"):
        make().fit(X, y[:-1])
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        make().fit(bad, y)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        make().fit(bad, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        make().fit(X, np.full(len(y), "joy"))
    fitted = make(**({"epochs": 1} if make is MLPProbe else {})).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:, :5])
    with pytest.raises(ValueError, match="2-D"):
        fitted.predict_proba(X[0])


def test_unfitted_and_bad_params(blobs) -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from affectlab.core.errors import NotFittedError

    X, y = blobs
    for probe in (MLPProbe(), LinearProbe()):
        for method in ("predict", "predict_proba"):
            with pytest.raises(NotFittedError, match="not fitted") as caught:
                getattr(probe, method)(X)
            assert isinstance(caught.value, SklearnNotFittedError)  # scikit-learn's checks hold
    with pytest.raises(NotFittedError):
        LinearProbe().decision_function(X)
    with pytest.raises(NotFittedError):
        MLPProbe().logits(X)
    with pytest.raises(ValueError, match="hidden"):
        MLPProbe(hidden=0).fit(X, y)
    with pytest.raises(ValueError, match="warmup"):
        MLPProbe(warmup=2.0).fit(X, y)
    with pytest.raises(ValueError, match="lr"):
        MLPProbe(lr=0).fit(X, y)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("est", [LinearProbe(), MLPProbe(epochs=5, lr=1e-2, hidden=16)])
def test_sklearn_estimator_checks(est) -> None:
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(est)  # raises on the first failed scikit-learn contract check
