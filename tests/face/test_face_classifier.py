"""FaceExpressionClassifier: the estimator contract, persistence, and the shipped default."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from affectlab.core.errors import ManifestError, NotFittedError, UnknownNameError
from affectlab.face.classifier import DEFAULT_DIR, FaceExpressionClassifier, as_faces


def _toy(n=60, seed=0):
    """Bright-top faces are 'happy', bright-bottom ones 'sad': learnable in one epoch."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 60, (n, 48, 48)).astype(np.uint8)
    y = np.array(["happy", "sad"] * (n // 2))
    x[y == "happy", :20] += 150
    x[y == "sad", 28:] += 150
    return x, y


def test_cnn_fit_predict_save_load(tmp_path):
    x, y = _toy(256)
    clf = FaceExpressionClassifier("fer7", "cnn", width=4, epochs=25, views=2)
    clf.fit(x, y)
    p = clf.predict_proba(x)
    assert p.shape == (256, 7) and np.allclose(p.sum(1), 1)
    assert clf.labels_ == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    assert clf.score(x, y) > 0.8
    clf.save(tmp_path / "m")
    back = FaceExpressionClassifier.load(tmp_path / "m")
    assert np.allclose(back.predict_proba(x), p, atol=1e-5)
    assert back.predict(x[:3]) == clf.predict(x[:3])
    assert back.manifest_.kind == "face.classifier" and back.manifest_.scheme == "fer7"


def test_landmark_backbone_fits_on_given_points():
    rng = np.random.default_rng(0)
    x, y = _toy(40)
    base = rng.normal(size=(468, 3))
    pts = np.stack([base + rng.normal(scale=0.01, size=base.shape) for _ in range(40)])
    pts[y == "happy", 61, 1] -= 0.5  # a lip corner higher in the happy faces
    pts[y == "happy", 291, 1] -= 0.5
    clf = FaceExpressionClassifier("fer7", "landmarks").fit(x, y, points=pts)
    assert clf.score(x, y, points=pts) > 0.9


def test_estimator_contract():
    clf = FaceExpressionClassifier("ckplus7", "cnn", width=8, epochs=2)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((1, 48, 48), np.uint8))
    with pytest.raises(UnknownNameError):
        FaceExpressionClassifier("fer7", "resnet")
    with pytest.raises(UnknownNameError):
        FaceExpressionClassifier("no-such-scheme")
    with pytest.raises(ValueError, match="two different"):
        FaceExpressionClassifier(width=4, epochs=1).fit(np.zeros((4, 48, 48), np.uint8),
                                                        ["happy"] * 4)


def test_faces_in_any_shape():
    assert as_faces(np.zeros((2, 96, 96, 3), np.float32)).shape == (2, 48, 48)
    assert as_faces(np.ones((1, 48, 48))).max() == 255
    with pytest.raises(ValueError):
        as_faces(np.zeros((48, 48)))


def test_a_tampered_weights_file_is_refused(tmp_path):
    x, y = _toy(20)
    clf = FaceExpressionClassifier(width=4, epochs=1, views=2).fit(x, y)
    clf.save(tmp_path / "m")
    (tmp_path / "m" / "weights.safetensors").write_bytes(b"0" * 100)
    with pytest.raises(ManifestError):
        FaceExpressionClassifier.load(tmp_path / "m")


@pytest.mark.skipif(not (DEFAULT_DIR / "affectlab.json").exists(), reason="no shipped model")
def test_shipped_default_reads_the_posed_photos(photo):
    from affectlab.face.align import aligned_crop
    from affectlab.face.detect import detect_faces
    from affectlab.face.mesh import face_mesh

    clf = FaceExpressionClassifier.load()
    assert clf.scheme_name == "fer7" and clf.manifest_.metrics
    crops, want = [], []
    for name, emo in (("0-f15-hao-ph.jpg", "happy"), ("0-f1-su-ph.jpg", "surprise")):
        rgb = photo(name).rgb
        crops.append(aligned_crop(rgb, face_mesh(rgb, detect_faces(rgb)[0]).points))
        want.append(emo)
    assert clf.predict(np.stack(crops)) == want
