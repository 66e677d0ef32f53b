"""Unlabelled music for the generator: the music21 corpus (converted to MIDI once, cached) and
VGMIDI's piano pieces, cut into fixed-length runs of bars with their attributes."""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectlab.core.files import atomic_path
from affectlab.core.progress import track
from affectlab.music.attributes import ATTRIBUTES, window_attributes
from affectlab.music.midi import MusicError, Score, load_midi
from affectlab.music.tokens import score_events

#: music21 corpus folders used by default: chorales, Renaissance polyphony, classical and folk.
MUSIC21_COMPOSERS = ("bach", "palestrina", "monteverdi", "trecento", "beethoven", "mozart",
                     "haydn", "schumann_robert", "schumann_clara", "josquin", "oneills1850",
                     "airdsAirs", "essenFolksong", "ryansMammoth")


def music21_midi(composers: Iterable[str] = MUSIC21_COMPOSERS, limit_per_composer: int = 300,
                 cache: str | os.PathLike[str] | None = None, progress: bool = False,
                 max_works: int | None = None) -> list[Path]:
    """MIDI files of music21 corpus works, converted once and cached (needs `music21`).

    Works are taken in `composers` order, at most `limit_per_composer` each and `max_works` in
    all; a work music21 cannot convert is skipped (and remembered as failed).
    """
    from music21 import corpus

    from affectlab.datasets import cache_dir

    folder = Path(cache) if cache else cache_dir() / "music21_midi"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for composer in composers:
        works = sorted(str(p) for p in corpus.getComposer(composer)) or sorted(
            str(p) for p in corpus.getPaths() if f"/{composer}/" in str(p))
        paths += works[:limit_per_composer]
    paths = paths[:max_works] if max_works is not None else paths
    out = []
    for work in track(paths, "music21 -> MIDI", show=progress):
        name = hashlib.sha1(work.split("/corpus/")[-1].encode()).hexdigest()[:16]
        target = folder / f"{name}.mid"
        failed = folder / f"{name}.failed"
        if not target.exists() and not failed.exists():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parsed = corpus.parse(work)
                    if hasattr(parsed, "scores"):  # an opus of many tunes: keep the first
                        parsed = parsed.scores[0]
                    with atomic_path(target) as tmp:
                        parsed.write("midi", fp=str(tmp))
            except Exception:  # noqa: BLE001 - music21 raises many types on odd files
                failed.write_text(work)
                continue
        if target.exists():
            out.append(target)
    return out


@dataclass
class Segment:
    """A run of bars: its note events and attributes (`ATTRIBUTES` order)."""

    source: str
    events: list[tuple[int, int, int, int]]
    n_bars: int
    attributes: np.ndarray
    tempo: float
    velocity: float


_PERFORMANCE = [ATTRIBUTES.index("tempo"), ATTRIBUTES.index("velocity")]


def segments(score: Score, n_bars: int = 16, hop: int = 8, min_notes: int = 8,
             performance: bool = True) -> Iterator[Segment]:
    """Runs of `n_bars` bars every `hop` bars (the last, shorter run is kept if long enough).

    `performance=False` marks tempo and velocity unknown (NaN): engraved scores converted to
    MIDI carry a default tempo and loudness, not a performance's.
    """
    spans = score.bar_spans()
    starts = list(range(0, max(len(spans) - n_bars, 0) + 1, hop))
    for first in starts:
        bars = min(n_bars, len(spans) - first)
        if bars < max(2, n_bars // 2):
            continue
        events = score_events(score, first, bars)
        if len(events) < min_notes:
            continue
        start, end = spans[first][0], spans[first + bars - 1][1]
        attrs = window_attributes(score, start, end)
        values = np.array([attrs[a] for a in ATTRIBUTES])
        inside = score.notes[(score.notes[:, 0] >= start) & (score.notes[:, 0] < end)]
        tempo, velocity = score.tempo, float(inside[:, 3].mean())
        if not performance:
            values[_PERFORMANCE] = np.nan
            tempo = velocity = float("nan")
        yield Segment(source=score.source or "", events=events, n_bars=bars,
                      attributes=values, tempo=tempo, velocity=velocity)


def corpus_segments(files: Iterable[str | os.PathLike[str]], n_bars: int = 16, hop: int = 8,
                    progress: bool = False, performance: bool = True) -> list[Segment]:
    """Segments of every readable file (unreadable files are skipped)."""
    files = list(files)
    out: list[Segment] = []
    for file in track(files, "segments", show=progress):
        try:
            score = load_midi(file)
        except MusicError:
            continue
        out.extend(segments(score, n_bars, hop, performance=performance))
    return out
