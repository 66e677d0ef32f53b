"""VGMIDI as model inputs: phrase attributes with their V/A signs, and per-bar attribute sequences
with the annotators' per-bar valence/arousal curves."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectlab.music.attributes import ATTRIBUTES, bar_attributes, piece_attributes
from affectlab.music.midi import load_midi


def vgmidi_phrases(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per labelled phrase: attributes, `valence`/`arousal` signs, `piece` (group id).

    Phrase files lost their tempo (they play at MIDI's default 120 bpm; their note times in
    seconds match the piece's), so the tempo attribute comes from the whole piece's file.
    """
    from affectlab.datasets import load_vgmidi

    table = load_vgmidi(path)
    rows = []
    for r in table.itertuples():
        if r.path is None:
            continue
        score = load_midi(r.path)
        if r.piece_path:
            score.tempo = load_midi(r.piece_path).tempo
        rows.append({"id": r.id, "piece": r.title, "valence": int(r.valence),
                     "arousal": int(r.arousal), **piece_attributes(score)})
    return pd.DataFrame(rows)


@dataclass
class PieceSequence:
    """Per-bar attributes of one piece (bars, n_attributes) and its annotation curves."""

    piece: str
    features: np.ndarray
    curves: list[tuple[str, np.ndarray]]  # (annotator, (bars, 2) valence/arousal)

    @property
    def mean_curve(self) -> np.ndarray:
        return np.mean([c for _, c in self.curves], axis=0)


def _fit_length(features: np.ndarray, n: int) -> np.ndarray:
    """Cut or pad (repeating the last bar) to the annotation's number of measures."""
    if len(features) >= n:
        return features[:n]
    return np.concatenate([features, np.repeat(features[-1:], n - len(features), axis=0)])


def vgmidi_sequences(path: str | os.PathLike[str] | None = None) -> list[PieceSequence]:
    """Every annotated VGMIDI piece as per-bar attributes with all its annotators' curves."""
    from affectlab.datasets import load_vgmidi_annotations

    ann = load_vgmidi_annotations(path)
    out = []
    for piece, group in ann.groupby("piece", sort=True):
        midi = group.midi.iloc[0]
        if midi is None:
            continue
        feats = bar_attributes(load_midi(midi))[list(ATTRIBUTES)].to_numpy(np.float64)
        curves = []
        for r in group.itertuples():
            curve = np.stack([r.valence, r.arousal], axis=1)
            curves.append((r.annotator, curve))
        n = int(np.median([len(c) for _, c in curves]))
        curves = [(a, c) for a, c in curves if len(c) == n]
        out.append(PieceSequence(piece=str(piece), features=_fit_length(feats, n), curves=curves))
    return out
