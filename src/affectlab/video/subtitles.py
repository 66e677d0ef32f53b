"""Subtitles (.srt, .vtt) as timed text cues; the files beside a clip are found by name."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from affectlab.core.errors import InputError

_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")
_ARROW = re.compile(rf"({_TIME.pattern})\s*-->\s*({_TIME.pattern})")
_TAGS = re.compile(r"<[^>]+>|\{\\[^}]*\}")


@dataclass
class Cue:
    """One subtitle or utterance: start and end in seconds, the text (tags removed, lines
    joined), and word times when a recogniser made it: [(word, start, end)]."""

    start: float
    end: float
    text: str
    words: list[tuple[str, float, float]] = field(default_factory=list)


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def read_subtitles(path: str | os.PathLike[str]) -> list[Cue]:
    """The cues of an .srt or .vtt file, in time order; a file with no cue is an InputError."""
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        for i, line in enumerate(lines):
            m = _ARROW.search(line)
            if m:
                g = m.groups()
                start, end = _seconds(*g[1:5]), _seconds(*g[6:10])
                words = " ".join(_TAGS.sub("", ln).strip() for ln in lines[i + 1:]).strip()
                if words and end >= start:
                    cues.append(Cue(start, end, words))
                break
    if not cues:
        raise InputError(f"{path}: no subtitle cue found (expected SRT or WebVTT timings "
                         "'00:00:01,000 --> 00:00:02,500')", "no-cues")
    return sorted(cues, key=lambda c: c.start)


def subtitles_beside(clip: str | os.PathLike[str]) -> Path | None:
    """clip.srt or clip.vtt (also clip.en.srt ...) next to the clip, if there is one."""
    p = Path(clip)
    for pattern in (f"{p.stem}.srt", f"{p.stem}.vtt", f"{p.stem}.*.srt", f"{p.stem}.*.vtt"):
        found = sorted(p.parent.glob(pattern))
        if found:
            return found[0]
    return None
