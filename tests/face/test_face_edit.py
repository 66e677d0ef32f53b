"""Drawing a plan on a photo: the planned units rise, pixels outside the face stay, bad photos
and arguments give clear errors, the input is never overwritten."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.face.action_units import intensities
from affectlab.face.detect import detect_faces
from affectlab.face.edit import EditError, animate, edit_face, save_animation
from affectlab.face.mesh import face_mesh


def _units(rgb):
    return intensities(face_mesh(rgb, detect_faces(rgb)[0]).points)


@pytest.fixture(scope="module")
def neutral(media, face_backends):
    return media / "single_face.jpg"


def test_joy_raises_the_smile_and_leaves_the_background(neutral):
    base = edit_face(neutral, "joy", intensity=0.0)
    strong = edit_face(neutral, "joy", intensity=1.0)
    assert np.abs(base.rgb.astype(int) - np.asarray(Image.open(neutral).convert("RGB"))
                  .astype(int)).max() <= 1
    assert _units(strong.rgb)["AU12"] > _units(base.rgb)["AU12"] + 0.5
    outside = ~strong.region
    assert np.array_equal(strong.rgb[outside], base.rgb[outside])
    moved = np.linalg.norm(strong.after - strong.before, axis=1)
    assert moved.max() > 2 and moved[[61, 291]].mean() > moved.mean()  # the lip corners


def test_surprise_opens_the_mouth(neutral):
    a = _units(edit_face(neutral, "surprise", intensity=1.0).rgb)
    b = _units(edit_face(neutral, "surprise", intensity=0.0).rgb)
    assert a["AU26"] > b["AU26"] + 0.5


def test_bad_photos_and_arguments(media, face_backends, tmp_path):
    with pytest.raises(EditError, match="no face") as err:
        edit_face(media / "free-mountain-vector-01.jpg", "joy")
    assert err.value.reason == "no_face"
    with pytest.raises(EditError, match="--face"):
        edit_face(media / "multi_face.jpg", "joy")
    assert edit_face(media / "multi_face.jpg", "joy", face=1).rgb.shape == (667, 1000, 3)
    with pytest.raises(EditError, match="holds 5"):
        edit_face(media / "multi_face.jpg", "joy", face=7)
    with pytest.raises(ValueError):
        edit_face(media / "single_face.jpg", "joy", intensity=1.5)
    small = tmp_path / "small.png"
    Image.open(media / "single_face.jpg").resize((60, 60)).save(small)
    with pytest.raises(EditError):
        edit_face(small, "joy")


def test_animation_frames_and_files(neutral, tmp_path):
    frames = animate(neutral, "joy", frames=4)
    assert len(frames) == 4 and frames[0].shape == frames[-1].shape
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).max() > 10
    gif = save_animation(frames, tmp_path / "joy.gif")
    assert Image.open(gif).n_frames == 4
    mp4 = save_animation(frames, tmp_path / "joy.mp4")
    assert mp4.stat().st_size > 1000


def test_cli_plan_and_edit(neutral, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["face", "plan", "--emotion", "joy", "--json"])
    assert res.exit_code == 0 and {"AU06", "AU12"} <= set(json.loads(res.stdout)["units"])
    res = runner.invoke(app, ["face", "plan", "--emotion", "bittersweat", "--json"])
    assert res.exit_code == 2 and "bitterness" in json.loads(res.stdout)["error"]
    out = tmp_path / "joy.png"
    res = runner.invoke(app, ["face", "edit", str(neutral), "--emotion", "joy", "--out",
                              str(out), "--animate", str(tmp_path / "joy.gif"), "--frames", "3"])
    assert res.exit_code == 0, res.output
    assert out.exists() and (tmp_path / "joy.gif").exists()
    copy = tmp_path / "me.jpg"
    copy.write_bytes(neutral.read_bytes())
    before = copy.read_bytes()
    res = runner.invoke(app, ["face", "edit", str(copy), "--emotion", "joy", "--out",
                              str(copy), "--overwrite"])
    assert res.exit_code == 2 and copy.read_bytes() == before  # never the input
    res = runner.invoke(app, ["face", "edit", str(neutral), "--emotion", "joy", "--out",
                              str(out)])
    assert res.exit_code == 2  # exists, no --overwrite
    res = runner.invoke(app, ["face", "edit", str(neutral), "--emotion", "joy", "--out",
                              str(tmp_path / "x.png"), "--intensity", "3"])
    assert res.exit_code == 2
