"""Every labelled text corpus in one label space through the ontology.

Training across corpora needs their labels in one space: each corpus's labels are carried into
the target scheme (Ekman-7 by default) through the ontology, and a corpus then supervises only
the target labels its own scheme can reach (`reachable`). Texts are repaired (mojibake, HTML
entities, stray whitespace) and de-duplicated within and across corpora, and the corpora are
mixed with the same number of rows each, so a big corpus does not drown the small ones.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from affectlab import datasets
from affectlab.ontology import get_scheme, map_label

# The labelled corpora the cross-corpus model trains on (and leave-one-corpus-out holds out).
LABELLED = ("goemotions", "carer", "tweeteval", "isear", "meld", "emoint", "crowdflower")
# Corpora rated on valence/arousal (/dominance), for the V/A/D head.
RATED = ("emobank", "fb_va")
# Loss weight per corpus: CrowdFlower's labels are noisy (one crowd worker per tweet, 13
# overlapping classes), so each of its rows counts half.
DEFAULT_WEIGHTS = {"crowdflower": 0.5}
HELD_OUT_FRACTION = 0.2  # corpora without an official split: the last 20% after a seed-0 shuffle

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+")


def repair(text: str) -> str:
    """The text with broken encodings, HTML entities and runs of whitespace fixed."""
    import ftfy

    return _SPACE.sub(" ", ftfy.fix_text(html.unescape(text))).strip()


def text_key(text: str) -> str:
    """What two copies of a text share: case-folded words and digits, nothing else."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", norm).strip()


def _target_of(label: str, scheme: str | None, space: str, names: list[str]) -> list[str]:
    # a label that is already a target label stays itself (Parrott's tree puts disgust under
    # anger, so "disgust" carried through the tree would also reach anger)
    if label in names or scheme is None:
        return [label] if label in names else []
    return list(map_label(label, scheme, space))


def reachable(corpus: str, space: str = "ekman7") -> list[str]:
    """The target labels that `corpus`'s scheme can name, in the target scheme's order."""
    names = list(get_scheme(space).label_names)
    scheme = datasets.info(corpus).scheme
    if scheme is None:  # EmoInt: four emotions named as they are in Ekman-7
        own = ["anger", "fear", "joy", "sadness"] if corpus == "emoint" else []
    else:
        own = list(get_scheme(scheme).label_names)
    hit = {t for lab in own for t in _target_of(lab, scheme, space, names)}
    return [n for n in names if n in hit]


def in_space(corpus: str, frame: pd.DataFrame, space: str = "ekman7") -> pd.DataFrame:
    """Rows whose labels reach exactly one target label: columns text, label, split, key.

    Texts are repaired; a text seen twice in the corpus keeps its first row.
    """
    names = list(get_scheme(space).label_names)
    scheme = datasets.info(corpus).scheme
    emotions = frame["emotion"] if "emotion" in frame else [None] * len(frame)
    splits = frame["split"] if "split" in frame else [None] * len(frame)
    out = []
    for text, labels, emo, part in zip(frame["text"], frame["labels"], emotions, splits,
                                       strict=True):
        if not isinstance(text, str) or not text.strip():
            continue
        raw = [emo] if emo else list(labels)
        mapped = {t for lab in raw for t in _target_of(lab, scheme, space, names)}
        if len(mapped) == 1:
            fixed = repair(text)
            out.append((fixed, next(iter(mapped)), part, text_key(fixed)))
    rows = pd.DataFrame(out, columns=["text", "label", "split", "key"])
    rows = rows[rows["key"] != ""]
    return rows.drop_duplicates("key").reset_index(drop=True)


def train_test(corpus: str, space: str = "ekman7", *,
               data_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The corpus's train and test rows in the target space: its official split where it has
    one, else the last `HELD_OUT_FRACTION` of a seed-0 shuffle."""
    path = None if data_dir is None else Path(data_dir) / datasets.info(corpus).folder
    rows = in_space(corpus, datasets.load(corpus, path=path), space)
    if datasets.info(corpus).official_split:
        return (rows[rows["split"] == "train"].reset_index(drop=True),
                rows[rows["split"] == "test"].reset_index(drop=True))
    rows = rows.sample(frac=1.0, random_state=0).reset_index(drop=True)
    cut = int(len(rows) * (1 - HELD_OUT_FRACTION))
    return rows.iloc[:cut].reset_index(drop=True), rows.iloc[cut:].reset_index(drop=True)


@dataclass
class CorpusPart:
    """One corpus's share of a training mix: texts, one target label each, and the target
    labels its scheme can name (the only ones it supervises)."""

    name: str
    texts: list[str]
    labels: list[str]
    allowed: list[str]
    weight: float = 1.0
    report: dict[str, Any] = field(default_factory=dict)


def mix(frames: dict[str, pd.DataFrame], space: str = "ekman7", *,
        per_corpus: int | None = None, exclude: Sequence[str] = (),
        weights: dict[str, float] | None = None, max_repeat: float = 2.0,
        seed: int = 0) -> list[CorpusPart]:
    """Corpus-balanced training parts from each corpus's rows (`in_space` frames).

    A text already taken from an earlier corpus, or among `exclude` (say, a held-out test
    set), is dropped. With `per_corpus`, a bigger corpus is subsampled to that many rows and a
    smaller one is drawn again with replacement, up to `max_repeat` times its own size.
    """
    weights = DEFAULT_WEIGHTS if weights is None else weights
    rng = np.random.default_rng(seed)
    seen = {text_key(t) for t in exclude}
    parts = []
    for name, rows in frames.items():
        before = len(rows)
        keep = ~rows["key"].isin(seen)
        rows = rows[keep]
        seen.update(rows["key"])
        report = {"rows": before, "duplicates_dropped": int((~keep).sum())}
        if per_corpus is not None:
            if len(rows) > per_corpus:
                rows = rows.iloc[rng.choice(len(rows), per_corpus, replace=False)]
            elif len(rows):
                target = min(per_corpus, int(len(rows) * max_repeat))
                extra = rng.choice(len(rows), target - len(rows), replace=True)
                rows = pd.concat([rows, rows.iloc[extra]])
        report["used"] = len(rows)
        parts.append(CorpusPart(name, rows["text"].tolist(), rows["label"].tolist(),
                                reachable(name, space), float(weights.get(name, 1.0)), report))
    return parts


def rated_rows(corpus: str, frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """(texts, V/A/D on [-1, 1]) of a rated corpus; a dimension it does not rate is NaN."""
    if corpus == "emobank":
        from affectlab.text.evaluation import emobank_targets

        y = emobank_targets(frame)
    elif corpus == "fb_va":  # Preotiuc-Pietro et al. 2016: valence and arousal on 1..9
        va = (frame[["valence", "arousal"]].to_numpy(float) - 5.0) / 4.0
        y = np.column_stack([va, np.full(len(frame), np.nan)])
    else:
        raise ValueError(f"affectlab reads V/A/D ratings from {', '.join(RATED)}, "
                         f"not {corpus!r}")
    texts = [repair(t) if isinstance(t, str) else "" for t in frame["text"]]
    ok = np.array([bool(t) for t in texts]) & ~np.isnan(y[:, :2]).any(1)
    return [t for t, k in zip(texts, ok, strict=True) if k], y[ok].astype(np.float32)
