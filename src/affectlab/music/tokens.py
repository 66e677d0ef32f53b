"""Symbolic music as tokens for an attribute-conditioned generator (bar/position events).

A sequence is ``BOS``, one bucket token per attribute (the control), then per bar ``BAR`` and,
for every onset, ``POS_p`` (16 positions a bar) followed by ``PITCH_n DUR_d`` for each note
starting there; ``EOS`` ends it. Time is measured in bars through the score's own bar lines, so
tempo changes do not smear the grid. Tempo and loudness are not tokens: they are written into
the MIDI from their requested buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from affectlab.music.attributes import ATTRIBUTES
from affectlab.music.midi import Score

POSITIONS = 16  # sixteenth notes in a 4/4 bar
MAX_DURATION = 32  # two bars, in sixteenths
PITCH_LOW, PITCH_HIGH = 21, 108  # the piano


@dataclass(frozen=True)
class Vocabulary:
    """Token ids: specials, bars, positions, pitches, durations and attribute buckets."""

    n_buckets: int = 3

    @property
    def tokens(self) -> list[str]:
        out = ["PAD", "BOS", "EOS", "BAR"]
        out += [f"POS_{p}" for p in range(POSITIONS)]
        out += [f"PITCH_{n}" for n in range(PITCH_LOW, PITCH_HIGH + 1)]
        out += [f"DUR_{d}" for d in range(1, MAX_DURATION + 1)]
        out += [f"{a}={b}" for a in ATTRIBUTES for b in range(self.n_buckets)]
        return out

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        return self._index()[token]

    def _index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    @property
    def pad(self) -> int:
        return 0

    @property
    def bos(self) -> int:
        return 1

    @property
    def eos(self) -> int:
        return 2

    @property
    def bar(self) -> int:
        return 3

    def kind(self, token_id: int) -> str:
        """'special', 'bar', 'pos', 'pitch', 'dur' or 'attr'."""
        if token_id < 3:
            return "special"
        if token_id == 3:
            return "bar"
        i = token_id - 4
        for kind, size in (("pos", POSITIONS), ("pitch", PITCH_HIGH - PITCH_LOW + 1),
                           ("dur", MAX_DURATION)):
            if i < size:
                return kind
            i -= size
        return "attr"

    def value(self, token_id: int) -> int:
        """The number a pos/pitch/dur token carries."""
        name = self.tokens[token_id]
        return int(name.split("_")[1])

    def ids_of_kind(self, kind: str) -> list[int]:
        return [i for i in range(len(self)) if self.kind(i) == kind]

    def attribute_ids(self, buckets: np.ndarray | list[int]) -> list[int]:
        """Control tokens for one bucket per attribute (in `ATTRIBUTES` order)."""
        if len(buckets) != len(ATTRIBUTES):
            raise ValueError(f"need {len(ATTRIBUTES)} buckets, got {len(buckets)}")
        index = self._index()
        out = []
        for a, b in zip(ATTRIBUTES, buckets, strict=True):
            if not 0 <= int(b) < self.n_buckets:
                raise ValueError(f"bucket {b} for {a} is outside 0..{self.n_buckets - 1}")
            out.append(index[f"{a}={int(b)}"])
        return out


def score_events(score: Score, first_bar: int = 0, n_bars: int | None = None
                 ) -> list[tuple[int, int, int, int]]:
    """(bar, position, pitch, duration in sixteenths) of the notes in a run of bars."""
    beats = np.arange(len(score.downbeats), dtype=np.float64)
    bar_len = np.diff(score.downbeats).mean() if len(score.downbeats) > 1 else 2.0
    xs = np.append(score.downbeats, score.downbeats[-1] + bar_len)
    ys = np.append(beats, beats[-1] + 1)

    def bar_pos(t: np.ndarray) -> np.ndarray:  # fractional bar index; linear past the last bar
        inside = np.interp(t, xs, ys)
        beyond = ys[-1] + (t - xs[-1]) / bar_len
        return np.where(t > xs[-1], beyond, inside)

    notes = score.notes
    start = np.round(bar_pos(notes[:, 0]) * POSITIONS).astype(int)
    end = np.round(bar_pos(notes[:, 1]) * POSITIONS).astype(int)
    last = None if n_bars is None else (first_bar + n_bars) * POSITIONS
    events = []
    for s, e, pitch in zip(start, end, notes[:, 2].astype(int), strict=True):
        if s < first_bar * POSITIONS or (last is not None and s >= last):
            continue
        if not PITCH_LOW <= pitch <= PITCH_HIGH:
            continue
        events.append((s // POSITIONS - first_bar, s % POSITIONS, int(pitch),
                       int(np.clip(e - s, 1, MAX_DURATION))))
    return sorted(set(events))


def encode(events: list[tuple[int, int, int, int]], n_bars: int, vocab: Vocabulary,
           buckets: np.ndarray | list[int] | None = None, close: bool = True) -> list[int]:
    """Token ids of events over `n_bars` bars, with the control prefix when `buckets` is given."""
    index = vocab._index()
    ids = [vocab.bos]
    if buckets is not None:
        ids += vocab.attribute_ids(buckets)
    by_bar: dict[int, list[tuple[int, int, int]]] = {}
    for bar, pos, pitch, dur in events:
        by_bar.setdefault(bar, []).append((pos, pitch, dur))
    for bar in range(n_bars):
        ids.append(vocab.bar)
        last_pos = None
        for pos, pitch, dur in sorted(by_bar.get(bar, [])):
            if pos != last_pos:
                ids.append(index[f"POS_{pos}"])
                last_pos = pos
            ids += [index[f"PITCH_{pitch}"], index[f"DUR_{dur}"]]
    if close:
        ids.append(vocab.eos)
    return ids


def decode(ids: list[int], vocab: Vocabulary, tempo: float = 120.0, velocity: int = 80
           ) -> np.ndarray:
    """Note rows (start s, end s, pitch, velocity) from token ids; malformed events are skipped."""
    sixteenth = 60.0 / tempo / 4
    bar, pos, pitch = -1, None, None
    rows = []
    for t in ids:
        kind = vocab.kind(t)
        if kind == "special" and t == vocab.eos:
            break
        if kind == "bar":
            bar, pos, pitch = bar + 1, None, None
        elif kind == "pos" and bar >= 0:
            pos, pitch = vocab.value(t), None
        elif kind == "pitch" and pos is not None:
            pitch = vocab.value(t)
        elif kind == "dur" and pitch is not None:
            onset = (bar * POSITIONS + pos) * sixteenth  # type: ignore[operator]
            rows.append((onset, onset + vocab.value(t) * sixteenth, pitch, velocity))
            pitch = None
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def grammar_errors(ids: list[int], vocab: Vocabulary) -> int:
    """Tokens that break the event grammar (what `decode` has to skip)."""
    errors, state, last_pos = 0, "start", -1
    for t in ids:
        kind = vocab.kind(t)
        if t == vocab.eos:
            break
        if kind == "bar":
            state, last_pos = "bar", -1
        elif kind == "pos":
            ok = state in ("bar", "dur") and vocab.value(t) > last_pos
            errors += not ok
            state, last_pos = "pos", vocab.value(t)
        elif kind == "pitch":
            errors += state not in ("pos", "dur")
            state = "pitch"
        elif kind == "dur":
            errors += state != "pitch"
            state = "dur"
    return errors
