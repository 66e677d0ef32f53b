"""Templated training sentences for the text tests: every cue of a label with every tail."""

from __future__ import annotations

import itertools

TAILS = ["about the trip", "at work today", "with my family", "after the game", "right now"]


def templated(cues: dict[str, list[str]],
              tails: list[str] = TAILS) -> tuple[list[str], list[str]]:
    """(texts, labels): "{cue} {tail}" for each label's cues and each tail, grouped by tail."""
    texts, labels = [], []
    for (label, label_cues), tail in itertools.product(cues.items(), tails):
        for cue in label_cues:
            texts.append(f"{cue} {tail}")
            labels.append(label)
    return texts, labels
