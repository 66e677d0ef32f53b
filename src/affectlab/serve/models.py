"""The models behind the service, loaded once per process on first use and shared between
requests. One lock per modality: a request waits for the model rather than running two
forward passes over one set of weights at once (the CPU is the limit either way)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Models:
    """Load-once, lock-per-modality access to the shipped (or configured) models."""

    def __init__(self, text_model: str | None = None) -> None:
        self.text_model = text_model
        self._locks = {m: threading.Lock() for m in ("text", "audio", "music", "face")}
        self._loaded: dict[str, Any] = {}
        self._load_lock = threading.Lock()

    def _get(self, name: str, load: Callable[[], Any]) -> Any:
        with self._load_lock:
            if name not in self._loaded:
                self._loaded[name] = load()
            return self._loaded[name]

    def loaded(self) -> list[str]:
        """The modalities whose model is in memory now."""
        return sorted(self._loaded)

    def text(self, texts: list[Any], scheme: str | None) -> list[dict[str, Any]]:
        from affectlab.text.analyze import analyze, get_model

        model = self._get("text", lambda: get_model(self.text_model))
        with self._locks["text"]:
            return analyze(texts, scheme, model=model)

    def audio(self, path: Path, scheme: str | None, source: str) -> list[dict[str, Any]]:
        from affectlab.speech.analyze import analyze_audio, get_speech_model

        model = self._get("audio", get_speech_model)
        with self._locks["audio"]:
            records = analyze_audio(path, scheme, model=model)
        return [{**r, "source": source} for r in records]

    def music(self, path: Path, scheme: str | None, source: str) -> list[dict[str, Any]]:
        from affectlab.music.analyze import analyze_music

        with self._locks["music"]:
            out = analyze_music(path, scheme)
        records = out if isinstance(out, list) else [out]
        return [{**r, "source": source} for r in records]

    def face(self, path: Path, scheme: str | None, source: str) -> list[dict[str, Any]]:
        from affectlab.face.analyze import analyze_face, get_face_model

        model = self._get("face", get_face_model)
        with self._locks["face"]:
            return analyze_face(os.fspath(path), scheme, model=model, source=source)
