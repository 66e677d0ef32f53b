"""The shared direction algebra: class-mean directions, context-agnostic centroids, stability."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from affectlab.directions import (
    Direction,
    _mean_pairwise_cosine,
    centroid_directions,
    class_means,
    direction_stability,
    group_centred,
    mean_difference,
)

EMOS = ["anger", "fear", "joy", "sadness"]


def synthetic(n_groups: int = 40, d: int = 16, noise: float = 0.05, seed: int = 0):
    """Each group: a random content vector shared by all emotions, plus an emotion vector."""
    rng = np.random.default_rng(seed)
    true = rng.normal(size=(len(EMOS), d))
    X, y, g = [], [], []
    for k in range(n_groups):
        content = rng.normal(scale=5.0, size=d)
        for e, v in zip(EMOS, true, strict=True):
            X.append(content + v + rng.normal(scale=noise, size=d))
            y.append(e)
            g.append(f"g{k}")
    return np.array(X), y, g, true


def test_centroid_directions_recover_the_centred_emotion_vectors():
    X, y, g, true = synthetic()
    dirs = centroid_directions(X, y, g, EMOS)
    want = true - true.mean(axis=0)
    for e, v in zip(EMOS, want, strict=True):
        assert dirs[e].norm == pytest.approx(1.0)
        assert dirs[e].cosine(v) > 0.995
    # with every emotion equally often in every group the two coincide (up to rounding); when an
    # emotion is over-represented in some groups, only group centring keeps their content out
    extra = [i for i, (e, grp) in enumerate(zip(y, g, strict=True))
             if e == EMOS[0] and int(grp[1:]) % 2] * 5
    keep = list(range(len(y))) + extra
    Xu, yu, gu = X[keep], [y[i] for i in keep], [g[i] for i in keep]
    loose = centroid_directions(Xu, yu, None, EMOS)
    tight = centroid_directions(Xu, yu, gu, EMOS)
    assert loose[EMOS[0]].cosine(want[0]) < tight[EMOS[0]].cosine(want[0]) - 0.01


def test_group_centring_removes_each_groups_mean_over_classes():
    X, y, g, _ = synthetic(n_groups=3)
    Z = group_centred(X, y, g, EMOS)
    for gid in set(g):
        rows = [k for k, x in enumerate(g) if x == gid]
        assert np.allclose(Z[rows].mean(axis=0), 0.0)
        assert np.allclose(X[rows] - Z[rows], X[rows].mean(axis=0))


def test_group_missing_a_class_is_an_error():
    X, y, g, _ = synthetic(n_groups=2)
    with pytest.raises(ValueError, match="no samples of classes"):
        group_centred(X[1:], y[1:], g[1:], EMOS)


def test_stability_is_high_for_real_labels_and_near_zero_shuffled():
    X, y, g, _ = synthetic(noise=0.3)
    stab = direction_stability(X, y, g, EMOS, n_shuffles=3)
    assert stab["mean"] > 0.9
    assert abs(stab["shuffled_mean"]) < 0.2
    assert set(stab["per_class"]) == set(EMOS)


def test_mean_pairwise_cosine_matches_brute_force():
    V = np.random.default_rng(1).normal(size=(7, 5))
    U = V / np.linalg.norm(V, axis=1, keepdims=True)
    brute = np.mean([U[i] @ U[j] for i in range(7) for j in range(7) if i != j])
    assert _mean_pairwise_cosine(V) == pytest.approx(brute)


def test_mean_difference_and_interpolation():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 4.0], [12.0, 4.0]])
    y = ["calm", "calm", "angry", "angry"]
    means = class_means(X, y)
    assert np.allclose(means["angry"], [11.0, 4.0])
    d = mean_difference(X, y, "calm", "angry", space="toy")
    assert np.allclose(d.vector, [10.0, 4.0]) and d.space == "toy"
    assert np.allclose(d.interpolate(means["calm"], 0.0), means["calm"])
    assert np.allclose(d.interpolate(means["calm"], 1.0), means["angry"])
    assert np.allclose(d.interpolate(means["calm"], 0.5), [6.0, 2.0])
    with pytest.raises(ValueError, match="intensity"):
        d.interpolate(means["calm"], 1.5)


def test_direction_works_on_numpy_and_torch_alike():
    d = Direction([3.0, 4.0], name="joy")
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    assert np.allclose(d.project(x), [1.4, 1.6])
    t = torch.tensor(x, dtype=torch.float32)
    assert torch.allclose(d.project(t), torch.tensor([1.4, 1.6]))
    assert torch.allclose(d.shift(t, 2.0), t + 2 * torch.tensor([3.0, 4.0]))
    assert np.allclose(d.shift(x, np.array([1.0, 0.0])), [[4.0, 5.0], [0.0, 2.0]])
    assert Direction.from_dict(d.to_dict()) == d


@pytest.mark.parametrize("bad", [[0.0, np.nan], [], [[1.0, 2.0]]])
def test_bad_vectors_are_refused(bad):
    with pytest.raises(ValueError):
        Direction(bad)


def test_zero_direction_has_no_unit_and_dimensions_must_match():
    with pytest.raises(ValueError, match="zero"):
        Direction([0.0, 0.0], name="x").unit()
    with pytest.raises(ValueError, match="dimension"):
        Direction([1.0, 0.0]).project(np.ones(3))
    with pytest.raises(ValueError, match="at least two classes"):
        centroid_directions(np.ones((2, 2)), ["a", "a"])
    with pytest.raises(ValueError, match="NaN"):
        class_means(np.array([[np.nan, 1.0]]), ["a"])
    with pytest.raises(ValueError, match="distinct"):
        centroid_directions(np.ones((2, 2)), ["a", "b"], classes=["a", "a", "b"])
    with pytest.raises(ValueError, match="group ids"):
        direction_stability(np.ones((2, 2)), ["a", "b"], ["g"])
