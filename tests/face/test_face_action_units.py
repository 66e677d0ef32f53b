"""Geometric action units: every unit the issue names, on the FACS 0-5 scale, and the units of
the posed expressions on the photos that show them."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.face.action_units import (
    AUS,
    fit_reference,
    intensities,
    measure_matrix,
    measures,
    reference,
)
from affectlab.face.detect import detect_faces
from affectlab.face.mesh import face_mesh

REQUIRED = ["AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU12", "AU15", "AU17",
            "AU20", "AU23", "AU25", "AU26"]


@pytest.fixture(scope="module")
def posed(photo):
    out = {}
    for name, emo in (("0-f1-su-ph.jpg", "surprise"), ("0-f15-hao-ph.jpg", "happy"),
                      ("15-f13-anc-ph.jpg", "anger"), ("45-m7-di-ph.jpg", "disgust")):
        rgb = photo(name).rgb
        out[emo] = intensities(face_mesh(rgb, detect_faces(rgb)[0]).points)
    return out


def test_every_required_unit_is_estimated():
    assert set(REQUIRED) <= set(AUS)
    ref = reference()
    assert set(AUS) <= set(ref) and all(ref[k]["spread"] > 0 for k in AUS)


def test_intensities_are_on_the_facs_scale(posed):
    for units in posed.values():
        assert set(units) == set(AUS)
        assert all(0.0 <= v <= 5.0 for v in units.values())


def test_posed_expressions_show_their_units(posed):
    assert posed["happy"]["AU12"] > max(posed[e]["AU12"] for e in ("anger", "disgust")) + 0.5
    assert posed["surprise"]["AU26"] > posed["anger"]["AU26"] + 1
    assert posed["surprise"]["AU25"] > 1 and posed["anger"]["AU25"] < 1
    assert posed["anger"]["AU04"] > posed["happy"]["AU04"]
    assert posed["anger"]["AU04"] > posed["surprise"]["AU04"]


def test_reference_fit_is_median_and_mad():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(468, 3)) * 0.01
    base[:, :2] += rng.uniform(-1, 1, (468, 2))
    faces = [base + rng.normal(scale=0.002, size=base.shape) for _ in range(31)]
    ref = fit_reference(faces)
    m = measure_matrix(faces)
    for i, k in enumerate(AUS):
        assert ref[k]["median"] == pytest.approx(np.median(m[:, i]))
        mad = 1.4826 * np.median(np.abs(m[:, i] - np.median(m[:, i])))
        assert ref[k]["spread"] == pytest.approx(max(mad, 1e-4))
    at_neutral = intensities(faces[0], ref)
    assert max(at_neutral.values()) < 3


def test_measures_do_not_depend_on_position_scale_or_roll(photo):
    rgb = photo("0-f15-hao-ph.jpg").rgb
    pts = face_mesh(rgb, detect_faces(rgb)[0]).points.astype(np.float64)
    a = np.radians(25)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    moved = (pts @ rot.T) * 2.5 + np.array([100.0, -40.0, 3.0])
    m1, m2 = measures(pts), measures(moved)
    for k in AUS:
        assert m1[k] == pytest.approx(m2[k], abs=1e-6)
