"""Speech emotion: audio input, acoustic features, recognition, intensity editing, audio tokens.

Heavy parts import lazily: `SpeechEmotionClassifier`, `analyze_audio`, `loso_evaluate` and
`EmotionEditor` load scikit-learn and (for eGeMAPS) openSMILE only when used.
"""

from __future__ import annotations

from typing import Any

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

_LAZY = {
    "SpeechEmotionClassifier": "affectlab.speech.classifier",
    "speaker_standardise": "affectlab.speech.classifier",
    "analyze_audio": "affectlab.speech.analyze",
    "loso_evaluate": "affectlab.speech.evaluation",
    "plot_confusion": "affectlab.speech.evaluation",
    "train_emodb": "affectlab.speech.training",
    "corpus_features": "affectlab.speech.training",
    "trim": "affectlab.speech.vad",
    "EmotionEditor": "affectlab.speech.editing",
    "intensity_curve": "affectlab.speech.editing",
    "feature_shifts": "affectlab.speech.editing",
    "make_tokenizer": "affectlab.speech.tokens",
    "load_tokenizer": "affectlab.speech.tokens",
    "bag_of_tokens": "affectlab.speech.tokens",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'affectlab.speech' has no attribute {name!r}")


__all__ = [
    "FEATURE_SETS",
    "Audio",
    "AudioError",
    "EmotionEditor",
    "MissingBackendError",
    "SpeechEmotionClassifier",
    "analyze_audio",
    "audio_files",
    "bag_of_tokens",
    "corpus_features",
    "extract",
    "extract_many",
    "feature_names",
    "feature_shifts",
    "frames",
    "intensity_curve",
    "load_audio",
    "load_tokenizer",
    "loso_evaluate",
    "make_tokenizer",
    "opensmile_available",
    "plot_confusion",
    "prepare",
    "speaker_standardise",
    "train_emodb",
    "trim",
]
