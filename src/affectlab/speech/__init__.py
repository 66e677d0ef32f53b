"""Speech emotion: audio input, acoustic features, recognition, intensity editing, audio tokens."""

from affectlab.speech.audio import Audio, AudioError, audio_files, load_audio, prepare
from affectlab.speech.features import (
    FEATURE_SETS,
    MissingBackendError,
    extract,
    extract_many,
    feature_names,
    frames,
    opensmile_available,
)

__all__ = ["FEATURE_SETS", "Audio", "AudioError", "MissingBackendError", "audio_files",
           "extract", "extract_many", "feature_names", "frames", "load_audio",
           "opensmile_available", "prepare"]
