"""Serve fixtures: the app in process (httpx through TestClient), and small real inputs made
by affectlab itself (a voiced WAV, a composed MIDI piece) so no test media is committed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the [serve] extra is not installed")


def voiced_wav(path: Path, seconds: float = 1.5, freq: float = 200.0) -> Path:
    """A harmonic tone with vibrato: speech-like enough for the voice pipeline."""
    import soundfile as sf

    sr = 16_000
    t = np.arange(int(seconds * sr)) / sr
    phase = 2 * np.pi * np.cumsum(freq * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 6))
    sf.write(path, (0.3 * x / np.abs(x).max()).astype(np.float32), sr)
    return path


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from affectlab.music.analyze import compose

    d = tmp_path_factory.mktemp("serve-inputs")
    compose("joy", bars=4, out=d / "joy.mid", seed=0)
    (d / "texts.csv").write_text("id,text\n1,I love this so much\n2,\"This is awful, truly\"\n"
                                 "3,\n4,I'm scared of what comes next\n", encoding="utf-8")
    return {"wav": voiced_wav(d / "voice.wav"), "midi": d / "joy.mid", "csv": d / "texts.csv"}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from affectlab.serve import ServeConfig, create_app

    with TestClient(create_app(ServeConfig(max_body_mb=2.0, max_batch=50))) as c:
        yield c
