"""Emotion in symbolic music: MIDI attributes, static and per-bar valence/arousal, per-listener
adaptation, and emotion-controlled generation (``pip install 'affectlab[music]'``).

>>> from affectlab import music
>>> music.analyze_music("piece.mid")["quadrant"]          # doctest: +SKIP
>>> music.compose("joy", bars=16, out="joy.mid")          # doctest: +SKIP
"""

from affectlab.music.analyze import analyze_music, analyze_score, compose
from affectlab.music.attributes import (
    ATTRIBUTES,
    AttributeBuckets,
    bar_attributes,
    piece_attributes,
    second_attributes,
    window_attributes,
)
from affectlab.music.midi import MusicError, Score, load_midi

__all__ = ["ATTRIBUTES", "AttributeBuckets", "MusicError", "Score", "analyze_music",
           "analyze_score", "bar_attributes", "compose", "load_midi", "piece_attributes",
           "second_attributes", "window_attributes"]
