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
        self._locks = {m: threading.Lock() for m in ("text", "audio", "music", "face", "video")}
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

    def video(self, path: Path, scheme: str | None, source: str) -> dict[str, Any]:
        """One shared record for the clip (the fused distribution and V/A averaged over the
        steps where any modality was present) and the timeline, one dict per step."""
        import math

        from affectlab.core.records import clean, failed_record, make_record
        from affectlab.video.decode import VideoError
        from affectlab.video.timeline import analyze_video

        with self._locks["video"]:
            try:
                frame = analyze_video(path, scheme=scheme or "ekman7", transcribe=True)
            except VideoError as exc:
                return {"records": [failed_record(source, "video", exc.reason, str(exc),
                                                  scheme=scheme)], "timeline": []}
        labels = [c[len("fused_p_"):] for c in frame.columns if c.startswith("fused_p_")]
        seen = frame[frame["modalities"] != ""]
        probs = {x: float(seen[f"fused_p_{x}"].mean()) for x in labels} if len(seen) else {}
        means = {d: float(seen[f"fused_{d}"].mean()) for d in ("valence", "arousal")} \
            if len(seen) else {}
        record = make_record(
            source, "video", scheme=frame.attrs.get("scheme"), probs=probs,
            valence=means.get("valence"), arousal=means.get("arousal"),
            seconds=frame.attrs.get("seconds"), steps=len(frame),
            present={m: float(frame[f"{m}_present"].mean()) for m in ("face", "voice", "text")
                     if f"{m}_present" in frame})
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in row.items()} for row in frame.to_dict("records")]
        return {"records": [record], "timeline": clean(rows)}
