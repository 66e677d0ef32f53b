"""Reading symbolic music for emotion analysis: MIDI in, a checked list of pitched notes out.

Every input either becomes a `Score` (pitched notes in seconds, tempo, bar lines) or raises a
`MusicError` whose `reason` says what is wrong: missing, not MIDI (corrupt), empty, no notes,
drums only. Scores that can be analysed but deserve a warning carry flags (extreme tempo, very
long, drums dropped), so a folder run can report them without stopping.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from affectlab.core.errors import MediaError

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
#: Tempos outside this range (beats per minute) are kept but flagged "extreme-tempo".
TEMPO_RANGE = (30.0, 300.0)
#: Longer scores are analysed from their beginning and flagged "truncated".
MAX_SECONDS = 1800.0
#: Files larger than this are refused before parsing (a MIDI file of music is far smaller).
MAX_BYTES = 20_000_000

# Flags a checked score can carry.
EXTREME_TEMPO = "extreme-tempo"
TRUNCATED = "truncated"
DRUMS_DROPPED = "drums-dropped"
NO_BARS = "no-time-signature"


class MusicError(MediaError):
    """A MIDI input that cannot be analysed; `reason` is a short machine-readable code (the
    record's status in a batch). A `MediaError`, so also an `InputError` and a `ValueError`."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, reason)


@dataclass
class Score:
    """Pitched notes (columns start s, end s, pitch, velocity), bar starts (s) and tempo (bpm)."""

    notes: np.ndarray
    downbeats: np.ndarray
    tempo: float
    source: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return float(self.notes[:, 1].max()) if len(self.notes) else 0.0

    @property
    def n_bars(self) -> int:
        return len(self.downbeats)

    def bar_spans(self) -> list[tuple[float, float]]:
        """(start, end) in seconds of each bar; the last bar ends with the last note."""
        ends = [*self.downbeats[1:].tolist(), max(self.seconds, float(self.downbeats[-1]) + 1e-3)]
        return list(zip(self.downbeats.tolist(), ends, strict=True))


def _parse(data: bytes, where: str):  # -> pretty_midi.PrettyMIDI
    import pretty_midi

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pretty_midi warns about odd meta events
            return pretty_midi.PrettyMIDI(io.BytesIO(data))
    except Exception as err:
        raise MusicError(f"{where}: not a readable MIDI file ({type(err).__name__}: {err})",
                         "corrupt") from err


def _mean_tempo(pm, end: float) -> float:
    """Time-weighted mean tempo over the notes' span (MIDI's default 120 when none is set)."""
    times, tempi = pm.get_tempo_changes()
    if len(tempi) == 0:
        return 120.0
    bounds = np.append(np.clip(times, 0, end), end)
    weights = np.clip(np.diff(bounds), 0, None)
    return float(np.average(tempi, weights=weights)) if weights.sum() > 0 else float(tempi[0])


def from_pretty_midi(pm, source: str | None = None) -> Score:
    """A checked `Score` from a parsed `pretty_midi.PrettyMIDI` (drum tracks dropped)."""
    where = source or "MIDI"
    flags: list[str] = []
    pitched = [i for i in pm.instruments if not i.is_drum]
    drums = [i for i in pm.instruments if i.is_drum and i.notes]
    rows = [(n.start, n.end, n.pitch, n.velocity) for i in pitched for n in i.notes
            if n.end > n.start]
    if not rows:
        if drums:
            raise MusicError(f"{where}: drums only, no pitched notes to analyse", "drums-only")
        raise MusicError(f"{where}: contains no notes", "no-notes")
    if drums:
        flags.append(DRUMS_DROPPED)
    notes = np.asarray(sorted(rows), dtype=np.float64)
    if notes[:, 1].max() > MAX_SECONDS:
        notes = notes[notes[:, 0] < MAX_SECONDS]
        notes[:, 1] = np.minimum(notes[:, 1], MAX_SECONDS)
        flags.append(TRUNCATED)
    end = float(notes[:, 1].max())
    tempo = _mean_tempo(pm, end)
    if not TEMPO_RANGE[0] <= tempo <= TEMPO_RANGE[1]:
        flags.append(EXTREME_TEMPO)
    try:
        downbeats = np.asarray(pm.get_downbeats(), dtype=np.float64)
    except Exception:  # noqa: BLE001 - odd time signatures; fall back to 4/4 bars below
        downbeats = np.zeros(0)
    if not pm.time_signature_changes:
        flags.append(NO_BARS)  # pretty_midi assumes 4/4, as MIDI does
    downbeats = downbeats[downbeats < end]
    if len(downbeats) == 0 or downbeats[0] > 0:
        downbeats = np.insert(downbeats, 0, 0.0)
    return Score(notes=notes, downbeats=downbeats, tempo=tempo, source=source, flags=flags)


def load_midi(source: str | os.PathLike[str] | bytes) -> Score:
    """Read a MIDI file (path or bytes) into a checked `Score`; raises `MusicError`."""
    if isinstance(source, bytes | bytearray):
        data, where = bytes(source), "MIDI bytes"
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise MusicError(f"{where}: no such file", "missing")
        if path.is_dir():
            raise MusicError(f"{where}: is a folder, not a MIDI file", "not-a-file")
        size = path.stat().st_size
        if size == 0:
            raise MusicError(f"{where}: empty file", "empty")
        if size > MAX_BYTES:
            raise MusicError(f"{where}: {size} bytes is too large for a MIDI file", "too-large")
        data = path.read_bytes()
    if not data:
        raise MusicError(f"{where}: empty input", "empty")
    if not data.startswith(b"MThd") and not data.startswith(b"RIFF"):
        raise MusicError(f"{where}: not a MIDI file (no 'MThd' header)", "corrupt")
    return from_pretty_midi(_parse(data, where), source=None if isinstance(source, bytes | bytearray)
                            else str(source))


def to_pretty_midi(notes: np.ndarray, tempo: float = 120.0, program: int = 0,
                   end: float | None = None):
    """A single-instrument `pretty_midi.PrettyMIDI` from note rows (start, end, pitch, velocity).

    `end` (seconds) makes the file last that long even if its last bars are silent (a
    sustain-off event marks it).
    """
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=float(tempo))
    inst = pretty_midi.Instrument(program=program)
    for start, stop, pitch, velocity in np.asarray(notes, dtype=np.float64):
        inst.notes.append(pretty_midi.Note(velocity=int(np.clip(velocity, 1, 127)),
                                           pitch=int(np.clip(pitch, 0, 127)),
                                           start=float(start), end=float(stop)))
    if end is not None and (not len(notes) or end > float(np.max(notes[:, 1]))):
        inst.control_changes.append(pretty_midi.ControlChange(number=64, value=0, time=float(end)))
    pm.instruments.append(inst)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    return pm


def write_midi(pm, path: str | os.PathLike[str]) -> Path:
    """Write a PrettyMIDI to `path` atomically (temporary name, then rename)."""
    from affectlab.core.files import atomic_path

    target = Path(path)
    with atomic_path(target) as tmp:
        pm.write(str(tmp))
    return target
