"""A complete but tiny music model folder (static, dynamic, prototypes, generator) for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from _midi_files import progression, scale, triads, write

from affectlab.music.attributes import ATTRIBUTES, piece_attributes
from affectlab.music.dynamic import DynamicConfig, DynamicMusicEmotion
from affectlab.music.generator import GeneratorConfig, MusicGenerator
from affectlab.music.midi import load_midi
from affectlab.music.prototypes import EmotionPrototypes
from affectlab.music.static import StaticMusicEmotion
from affectlab.music.unlabelled import corpus_segments


def build(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, (minor, tempo) in enumerate([(False, 140), (True, 140), (True, 70), (False, 70)] * 2):
        notes = progression(minor=minor, repeats=4) + scale(minor=minor, repeats=6, step=0.25)
        files.append(write(folder / f"train{i}.mid", notes, tempo=tempo))
    files.append(write(folder / "chords.mid", triads(bars=8)))
    rows = []
    for f, (v, a) in zip(files, [(1, 1), (-1, 1), (-1, -1), (1, -1)] * 2, strict=False):
        rows.append({**piece_attributes(load_midi(f)), "valence": v, "arousal": a, "id": f.name})
    frame = pd.DataFrame(rows)
    rng = np.random.default_rng(0)
    frame[list(ATTRIBUTES)] += rng.normal(scale=1e-3, size=(len(frame), len(ATTRIBUTES)))
    StaticMusicEmotion().fit(frame, frame).save(folder / "static")
    EmotionPrototypes().fit(frame).save(folder / "prototypes")
    feats = [rng.normal(size=(8, len(ATTRIBUTES))) for _ in range(4)]
    DynamicMusicEmotion(DynamicConfig(epochs=1)).fit(
        feats, [np.zeros((8, 2)) for _ in feats]).save(folder / "dynamic")
    segs = corpus_segments(files, n_bars=4, hop=2)
    MusicGenerator.train(segs, GeneratorConfig(steps=3, d_model=32, n_layers=1, n_heads=2,
                                               max_len=256, segment_bars=4)).save(folder / "generator")
    return folder
