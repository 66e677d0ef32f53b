"""`affectlab analyze-face`: records, drawings, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    pytest.importorskip("cv2")
    from affectlab.face.classifier import FaceExpressionClassifier

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (32, 48, 48)).astype(np.uint8)
    folder = tmp_path_factory.mktemp("cli") / "model"
    FaceExpressionClassifier(width=4, epochs=1, views=2).fit(x, ["happy", "sad"] * 16).save(
        folder)
    return str(folder)


def _run(*args):
    return CliRunner().invoke(app, ["analyze-face", *map(str, args)])


def test_json_records_and_draw(media, face_backends, model, tmp_path):
    res = _run(media / "multi_face.jpg", media / "free-mountain-vector-01.jpg", "-m", model,
               "--json", "--draw", tmp_path / "drawn", "-s", "ekman7")
    assert res.exit_code == 0, res.output  # a photo without a face is analysed, not failed
    recs = json.loads(res.stdout)
    assert [r["status"] for r in recs] == ["ok"] * 5 + ["no_face"]
    assert all(r["scheme"] == "ekman7" and "landmarks" not in r for r in recs)
    assert (tmp_path / "drawn" / "multi_face.png").exists()


def test_output_file_and_exit_code_1_for_a_broken_file(media, face_backends, model, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    out = tmp_path / "faces.csv"
    res = _run(media / "single_face.jpg", bad, "-m", model, "-o", out, "--landmarks")
    assert res.exit_code == 1, res.output
    import pandas as pd

    df = pd.read_csv(out)
    assert list(df.status) == ["ok", "not-image"]
    assert len(json.loads(df.landmarks[0])) == 478


def test_usage_errors_exit_2(media, face_backends, model, tmp_path):
    assert _run(media / "single_face.jpg", "-m", model, "-s", "nope").exit_code == 2
    gone = _run(tmp_path / "missing.jpg", "-m", model, "--json")  # like every analyze command
    assert gone.exit_code == 1 and json.loads(gone.stdout)[0]["status"] == "missing"
    assert _run(media / "single_face.jpg", "-m", model, "--detector", "yolo").exit_code == 2
