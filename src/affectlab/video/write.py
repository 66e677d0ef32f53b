"""Writing a clip from frames and a mono soundtrack (PyAV): for building test and benchmark
clips from stills and recordings, so no media has to be shipped."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np


def write_clip(path: str | os.PathLike[str], frames: Iterable[np.ndarray] | None,
               audio: np.ndarray | None, *, fps: float = 10.0,
               rate: int = 16_000) -> Path:
    """An MPEG-4 video stream of `frames` (RGB arrays of one size; None for no video) and a mono
    AAC track of `audio` (float samples at `rate`; None for no sound), written atomically."""
    import av

    from affectlab.core.files import atomic_path

    out = Path(path)
    if frames is None and audio is None:
        raise ValueError("a clip needs frames, a soundtrack, or both")
    first = None
    if frames is not None:
        frames = iter(frames)
        first = next(frames, None)
    with atomic_path(out) as tmp:
        # the container is chosen from the final name's suffix, not the temporary one's
        box = av.open(str(tmp), "w", format=_format_of(out))
        try:
            video = sound = None
            if first is not None:  # every stream is added before the first packet is muxed
                h, w = first.shape[:2]
                video = box.add_stream("mpeg4", rate=round(fps))
                video.width, video.height, video.pix_fmt = w // 2 * 2, h // 2 * 2, "yuv420p"
            if audio is not None:
                sound = box.add_stream("aac", rate=rate, layout="mono")
            if video is not None:
                _video(box, video, itertools.chain([first], frames))
            if sound is not None:
                _audio(box, sound, np.asarray(audio, dtype=np.float32), rate)
        finally:
            box.close()
    return out


def _format_of(path: Path) -> str:
    return {".mkv": "matroska", ".webm": "webm", ".mov": "mov", ".avi": "avi"}.get(
        path.suffix.lower(), "mp4")


def _video(box: Any, stream: Any, frames: Iterable[np.ndarray]) -> None:
    import av

    for img in frames:
        img = np.ascontiguousarray(img[: stream.height, : stream.width])
        for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            box.mux(packet)
    for packet in stream.encode():
        box.mux(packet)


def _audio(box: Any, stream: Any, samples: np.ndarray, rate: int) -> None:
    import av

    for k in range(0, len(samples), 1024):
        frame = av.AudioFrame.from_ndarray(samples[None, k:k + 1024], format="fltp",
                                           layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            box.mux(packet)
    for packet in stream.encode():
        box.mux(packet)
