"""Writing clips from frames and a soundtrack (what the tests and benchmarks build clips with)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="the [video] extra (PyAV) is not installed")

from affectlab.video.decode import probe_clip
from affectlab.video.write import write_clip


def test_frames_and_sound_make_a_clip_of_the_right_length(tmp_path):
    rng = np.random.default_rng(0)
    frames = (rng.integers(0, 255, (61, 81, 3), dtype=np.uint8) for _ in range(20))
    sound = (0.1 * np.sin(np.arange(32_000) / 10)).astype(np.float32)
    out = write_clip(tmp_path / "a.mp4", frames, sound, fps=10)
    info = probe_clip(out)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (80, 60)  # cut to even sizes for yuv420p
    assert abs(info.seconds - 2.0) < 0.15
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]  # no temporary left behind


def test_sound_only_and_nothing(tmp_path):
    info = probe_clip(write_clip(tmp_path / "radio.m4v", None, np.zeros(16_000, np.float32)))
    assert info.has_audio and not info.has_video
    with pytest.raises(ValueError, match="frames, a soundtrack"):
        write_clip(tmp_path / "none.mp4", None, None)
