"""Speech fixtures: synthetic sound files, and EmoDB's eGeMAPS matrix computed once per run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _speech_signals import SR, tone


@pytest.fixture
def wav_dir(tmp_path: Path) -> Path:
    """Two good files, and one each of: silent, too short, empty, not audio, stereo 44.1 kHz."""
    import soundfile as sf

    d = tmp_path / "clips"
    d.mkdir()
    sf.write(d / "a_good.wav", tone(1.2, 180), SR)
    sf.write(d / "b_good.wav", tone(1.0, 260, seed=1), SR)
    sf.write(d / "c_silent.wav", np.zeros(SR, np.float32), SR)
    sf.write(d / "d_short.wav", tone(0.05), SR)
    sf.write(d / "e_empty.wav", np.zeros(0, np.float32), SR)
    (d / "f_text.wav").write_text("this is not audio", encoding="utf-8")
    st = np.stack([tone(1.0, 200, 44_100), tone(1.0, 200, 44_100)], axis=1)
    sf.write(d / "g_stereo.flac", st, 44_100)
    return d


@pytest.fixture(scope="session")
def emodb():
    """The EmoDB table, or a skip saying why."""
    from affectlab.datasets import DatasetFormatError, DatasetNotFoundError, load_emodb

    try:
        return load_emodb()
    except (DatasetNotFoundError, DatasetFormatError, FileNotFoundError) as exc:
        pytest.skip(f"EmoDB corpus not available ({type(exc).__name__}: {exc}); set "
                    "AFFECTLAB_DATA or place the corpora at ../shared/data")


@pytest.fixture(scope="session")
def emodb_egemaps(emodb, tmp_path_factory):
    """eGeMAPS functionals of all 535 EmoDB utterances (about 25 s, once per test run)."""
    from affectlab.speech import extract_many, opensmile_available

    if not opensmile_available():
        pytest.skip("openSMILE not installed: pip install 'affectlab[speech]'")
    return extract_many(emodb["path"], "egemaps", progress=False,
                        cache=tmp_path_factory.mktemp("speech-cache"))
