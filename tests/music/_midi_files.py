"""Small MIDI files written on the fly for the music tests."""

from __future__ import annotations

from pathlib import Path

import pretty_midi


def write(path: Path, notes: list[tuple[float, float, int, int]], tempo: float = 120.0,
          drums: list[tuple[float, float, int, int]] | None = None,
          time_signature: bool = True) -> Path:
    """A MIDI file with a piano track of (start, end, pitch, velocity) notes."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    if notes:
        piano = pretty_midi.Instrument(program=0)
        piano.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in notes]
        pm.instruments.append(piano)
    if drums:
        kit = pretty_midi.Instrument(program=0, is_drum=True)
        kit.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in drums]
        pm.instruments.append(kit)
    if time_signature:
        pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    pm.write(str(path))
    return path


def scale(tonic: int = 60, minor: bool = False, repeats: int = 4, step: float = 0.25,
          velocity: int = 80, legato: float = 1.0) -> list[tuple[float, float, int, int]]:
    """A scale played up `repeats` times, one note every `step` seconds."""
    steps = [0, 2, 3, 5, 7, 8, 10, 12] if minor else [0, 2, 4, 5, 7, 9, 11, 12]
    out, t = [], 0.0
    for _ in range(repeats):
        for s in steps:
            out.append((t, t + step * legato, tonic + s, velocity))
            t += step
    return out


def triads(tonic: int = 60, minor: bool = False, bars: int = 8, tempo: float = 120.0
           ) -> list[tuple[float, float, int, int]]:
    """One root-position triad per beat for `bars` 4/4 bars."""
    beat = 60.0 / tempo
    third = 3 if minor else 4
    return [(i * beat, (i + 1) * beat, tonic + k, 80) for i in range(4 * bars)
            for k in (0, third, 7)]


def progression(minor: bool = False, repeats: int = 2, beat: float = 0.5
                ) -> list[tuple[float, float, int, int]]:
    """I-IV-V-I in C major, or i-iv-V-i in C minor, one chord a bar."""
    chords = ([(0, 3, 7), (5, 8, 12), (7, 11, 14), (0, 3, 7)] if minor
              else [(0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7)])
    out, t = [], 0.0
    for _ in range(repeats):
        for chord in chords:
            out += [(t, t + 4 * beat, 60 + k, 80) for k in chord]
            t += 4 * beat
    return out
