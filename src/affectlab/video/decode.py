"""Reading clips with PyAV (FFmpeg): what a clip holds, frames sampled at a chosen rate, and
the soundtrack as 16 kHz mono. A file that is not a readable clip raises `VideoError` with a
reason (the clip's status in a batch)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectlab.core.errors import MediaError

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg"})


class VideoError(MediaError):
    """A clip that cannot be read: `reason` is not-video, truncated, empty or missing."""


@dataclass
class ClipInfo:
    """What a clip holds: duration (s), frame rate, size, and which streams exist."""

    path: str
    seconds: float
    has_video: bool
    has_audio: bool
    fps: float | None = None
    width: int | None = None
    height: int | None = None


def _open(path: str | os.PathLike[str]):
    import av

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such clip: {p}")
    if p.stat().st_size == 0:
        raise VideoError(f"{p}: the file is empty", "empty")
    try:
        return av.open(str(p))
    except av.error.FFmpegError as exc:
        raise VideoError(f"{p}: not a readable video ({exc.strerror or exc})",
                         "not-video") from None


def probe_clip(path: str | os.PathLike[str]) -> ClipInfo:
    """Streams, duration, frame rate and size of a clip (no decoding)."""
    with _open(path) as c:
        v = next(iter(c.streams.video), None)
        a = next(iter(c.streams.audio), None)
        if v is None and a is None:
            raise VideoError(f"{path}: no video or audio stream", "not-video")
        durations = [float(s.duration * s.time_base) for s in (v, a)
                     if s is not None and s.duration is not None]
        seconds = max(durations) if durations else (c.duration or 0) / 1_000_000
        return ClipInfo(str(path), float(seconds), v is not None, a is not None,
                        float(v.average_rate) if v is not None and v.average_rate else None,
                        v.codec_context.width if v is not None else None,
                        v.codec_context.height if v is not None else None)


def sample_frames(path: str | os.PathLike[str], fps: float = 2.0,
                  max_side: int = 960) -> Iterator[tuple[float, np.ndarray]]:
    """(time in s, RGB frame) at `fps` frames per second: for each sample time, the first
    decoded frame at or after it. Frames larger than `max_side` are scaled down."""
    import av

    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    with _open(path) as c:
        stream = next(iter(c.streams.video), None)
        if stream is None:
            return
        stream.thread_type = "AUTO"
        due = 0.0
        try:
            for frame in c.decode(stream):
                if frame.time is None or frame.time + 1e-6 < due:
                    continue
                w, h = frame.width, frame.height
                scale = min(1.0, max_side / max(w, h))
                rgb = frame.to_ndarray(format="rgb24", width=int(w * scale) // 2 * 2,
                                       height=int(h * scale) // 2 * 2)
                yield float(frame.time), rgb
                while due <= frame.time + 1e-6:
                    due += 1.0 / fps
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: the video stream is damaged ({exc})", "truncated") from None


def soundtrack_chunks(path: str | os.PathLike[str], seconds: float = 120.0,
                      rate: int = 16_000) -> Iterator[tuple[float, np.ndarray]]:
    """The first audio stream as (start time in s, mono float32 at `rate`) pieces of about
    `seconds` each, decoded as a stream: memory holds one piece, whatever the clip's length.
    Nothing is yielded for a clip without sound."""
    import av

    want = int(seconds * rate)
    with _open(path) as c:
        stream = next(iter(c.streams.audio), None)
        if stream is None:
            return
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        parts: list[np.ndarray] = []
        have, offset = 0, 0.0
        try:
            frames = c.decode(stream)
            for frame in [*frames, None]:
                for out in resampler.resample(frame):
                    x = out.to_ndarray().reshape(-1)
                    parts.append(x)
                    have += len(x)
                while have >= want:
                    whole = np.concatenate(parts)
                    yield offset, whole[:want].astype(np.float32)
                    offset += want / rate
                    parts, have = [whole[want:]], len(whole) - want
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: the audio stream is damaged ({exc})", "truncated") from None
        if have:
            yield offset, np.concatenate(parts).astype(np.float32)


def read_soundtrack(path: str | os.PathLike[str], rate: int = 16_000) -> np.ndarray | None:
    """The clip's first audio stream as one mono float32 array at `rate`, or None without one
    (for short clips; long ones go through `soundtrack_chunks`)."""
    info = probe_clip(path)
    if not info.has_audio:
        return None
    parts = [x for _, x in soundtrack_chunks(path, seconds=max(info.seconds, 1.0) + 1.0,
                                             rate=rate)]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
