"""analyze_face / analyze_faces: the shared record per face, a status for every other input,
nothing dropped, resumable output."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from affectlab.core.errors import OutputExistsError, UnknownNameError
from affectlab.face.analyze import analyze_face, analyze_faces
from affectlab.face.classifier import FaceExpressionClassifier

COMMON = ["source", "modality", "status", "error", "scheme", "probs", "labels", "top", "valence",
          "arousal", "dominance"]


@pytest.fixture(scope="module")
def model(tmp_path_factory, face_backends):
    """A small model trained here (the shipped one is tested on its own)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (64, 48, 48)).astype(np.uint8)
    y = ["happy", "sad", "angry", "neutral"] * 16
    folder = tmp_path_factory.mktemp("face") / "model"
    FaceExpressionClassifier(width=4, epochs=1, views=2).fit(x, y).save(folder)
    return folder


def test_one_record_per_face(media, model):
    recs = analyze_face(media / "multi_face.jpg", model=model)
    assert len(recs) == 5 and [r["face"] for r in recs] == list(range(5))
    for r in recs:
        assert list(r)[: len(COMMON)] == COMMON
        assert r["modality"] == "face" and r["status"] == "ok" and r["faces"] == 5
        assert set(r["probs"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                   "neutral"}
        assert sum(r["probs"].values()) == pytest.approx(1, abs=1e-4)
        assert r["top"] == max(r["probs"], key=r["probs"].get) and r["labels"] == [r["top"]]
        assert -1 <= r["valence"] <= 1 and -1 <= r["arousal"] <= 1
        x0, y0, x1, y1 = r["box"]
        assert 0 <= x0 < x1 <= 1000 and 0 <= y0 < y1 <= 667
        assert {"yaw", "pitch", "roll", "detection", "presence", "action_units"} <= set(r)
        assert "landmarks" not in r and "embedding" not in r
    json.dumps(recs)  # plain JSON


def test_embedding_on_request_is_what_the_head_read(media, model):
    from affectlab.face.analyze import get_face_model

    r = analyze_face(media / "single_face.jpg", model=model, embedding=True)[0]
    clf = get_face_model(model)
    assert len(r["embedding"]) == clf.cnn_features(np.zeros((1, 48, 48), np.uint8)).shape[1]
    assert np.isfinite(r["embedding"]).all() and np.std(r["embedding"]) > 0
    json.dumps(r)


def test_landmarks_on_request_in_file_pixels(media, model, tmp_path):
    big = Image.open(media / "single_face.jpg").resize((2860, 2810))
    big.save(tmp_path / "big.jpg")
    small = analyze_face(media / "single_face.jpg", model=model, landmarks=True)[0]
    large = analyze_face(tmp_path / "big.jpg", model=model, landmarks=True)[0]
    assert len(small["landmarks"]) == 478 and len(small["landmarks"][0]) == 3
    assert "downscaled" in large["flags"]
    ratio = np.array(large["landmarks"])[:, :2] / np.array(small["landmarks"])[:, :2]
    assert np.median(ratio) == pytest.approx(5.0, rel=0.03)  # back in the file's pixels


def test_any_scheme(media, model):
    r = analyze_face(media / "single_face.jpg", "russell4", model=model)[0]
    assert r["scheme"] == "russell4" and len(r["probs"]) == 4
    # neutral has no quadrant: its share is not forced into one
    assert 0 < sum(r["probs"].values()) <= 1 + 1e-4
    with pytest.raises(UnknownNameError):
        analyze_face(media / "single_face.jpg", "no-such-scheme", model=model)


def test_statuses_instead_of_tracebacks(media, model, tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    assert analyze_face(media / "free-mountain-vector-01.jpg", model=model)[0]["status"] == \
        "no_face"
    assert analyze_face(tmp_path / "broken.jpg", model=model)[0]["status"] in ("not-image",
                                                                              "truncated")
    assert analyze_face(tmp_path / "dot.png", model=model)[0]["status"] == "too-small"
    assert analyze_face(tmp_path / "gone.png", model=model)[0]["status"] == "missing"
    with pytest.raises(UnknownNameError):
        analyze_face(media / "single_face.jpg", model=model, detector="yolo")


def test_twenty_faces(media, model, tmp_path):
    face = Image.open(media / "single_face.jpg").resize((200, 200))
    sheet = Image.new("RGB", (1000, 800), (128, 128, 128))
    for i in range(20):
        sheet.paste(face, ((i % 5) * 200, (i // 5) * 200))
    sheet.save(tmp_path / "crowd.jpg")
    recs = analyze_face(tmp_path / "crowd.jpg", model=model)
    assert len(recs) == 20 and all(r["status"] == "ok" for r in recs)
    assert len(analyze_face(tmp_path / "crowd.jpg", model=model, max_faces=3)) == 3


def test_a_folder_with_broken_files_loses_nothing(media, model, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("single_face.jpg", "free-mountain-vector-01.jpg", "0-f1-su-ph.jpg"):
        (folder / name).write_bytes((media / name).read_bytes())
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (folder / "empty.jpg").write_bytes(b"")
    out = tmp_path / "faces.jsonl"
    recs = analyze_faces(folder, model=model, output=out)
    by = {r["source"].rsplit("/", 1)[-1]: r["status"] for r in recs}
    assert by.pop("broken.png") in ("not-image", "truncated")
    assert by == {"0-f1-su-ph.jpg": "ok", "empty.jpg": "not-image",
                  "free-mountain-vector-01.jpg": "no_face", "single_face.jpg": "ok"}
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == len(recs) == 5
    with pytest.raises(OutputExistsError):
        analyze_faces(folder, model=model, output=out)
    again = analyze_faces(folder, model=model, output=out, overwrite=True)
    assert [r["status"] for r in again] == [r["status"] for r in recs]


def test_draw_writes_annotated_copies(media, model, tmp_path):
    analyze_faces([media / "multi_face.jpg", media / "free-mountain-vector-01.jpg"],
                  model=model, draw=tmp_path / "drawn", landmarks=True)
    drawn = tmp_path / "drawn" / "multi_face.png"
    assert drawn.exists() and not (tmp_path / "drawn" / "free-mountain-vector-01.png").exists()
    original = np.asarray(Image.open(media / "multi_face.jpg").convert("RGB"))
    assert np.asarray(Image.open(drawn)).shape == original.shape
    assert (np.asarray(Image.open(drawn)) != original).any()
