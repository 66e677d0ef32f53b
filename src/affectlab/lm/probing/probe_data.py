"""Labelled text sets for emotion probes of language models.

"Decoding Emotion in the Deep" probes a model's activations with single-label emotion texts from
a Reddit corpus that is not available offline. These sets are built from the local corpora
instead, one label per text, with a train and a test split:

- ``goemotions``: Ekman-7 (anger, disgust, fear, joy, sadness, surprise, neutral). Only rows with
  exactly one GoEmotions label are kept; that label is carried to Ekman-7 through the ontology.
  Train = the official train split, test = the official test split (validation is not used).
- ``carer``: CARER's six classes, official train/test splits (validation is not used).
- ``isear``: ISEAR's seven classes; no official split, so a stratified 80/20 split with the seed.

Every set strips surrounding whitespace, drops empty texts, cuts texts to ``max_chars`` characters, keeps the first of identical
texts within a split and removes test texts that also appear in train. Optional per-class caps
subsample deterministically for CPU budgets; no other balancing happens here, because the probe
pipeline applies the paper's own balancing (see ``affectlab.lm.probing.balance``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectlab import datasets
from affectlab.errors import UnknownNameError
from affectlab.ontology import get_scheme, map_label

__all__ = ["PROBE_DATASETS", "ProbeSet", "build_probe_set"]

PROBE_SPLITS: tuple[str, ...] = ("train", "test")


@dataclass(frozen=True)
class _Spec:
    """How one probe set is made: its corpus, the scheme it answers in, and a description."""

    corpus: str
    scheme: str
    official_split: bool
    description: str


_SPECS: dict[str, _Spec] = {
    "goemotions": _Spec(
        corpus="goemotions",
        scheme="ekman7",
        official_split=True,
        description="GoEmotions single-label rows mapped goemotions->ekman7 by the ontology; "
        "official train/test splits (validation unused)",
    ),
    "carer": _Spec(
        corpus="carer",
        scheme="carer6",
        official_split=True,
        description="CARER tweets, 6 classes; official train/test splits (validation unused)",
    ),
    "isear": _Spec(
        corpus="isear",
        scheme="isear7",
        official_split=False,
        description="ISEAR situations (loader-cleaned), 7 classes; stratified 80/20 split",
    ),
}

PROBE_DATASETS: tuple[str, ...] = tuple(_SPECS)
_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class ProbeSet:
    """Single-label texts for an emotion probe: a train and a test split in one label scheme.

    `labels` fixes the class order (the scheme's order); every entry of `train_labels` and
    `test_labels` is one of them. `source` says in one line how the set was built.
    """

    name: str
    scheme: str
    labels: tuple[str, ...]
    train_texts: list[str]
    train_labels: list[str]
    test_texts: list[str]
    test_labels: list[str]
    source: str

    def __post_init__(self) -> None:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels must be distinct, got {self.labels}")
        for split in PROBE_SPLITS:
            texts, labels = self._split(split)
            if len(texts) != len(labels):
                raise ValueError(
                    f"{split}: {len(texts)} texts but {len(labels)} labels; they must pair up"
                )
            unknown = sorted(set(labels) - set(self.labels))
            if unknown:
                raise ValueError(f"{split} labels {unknown} are not among {list(self.labels)}")

    def _split(self, split: str) -> tuple[list[str], list[str]]:
        if split == "train":
            return self.train_texts, self.train_labels
        return self.test_texts, self.test_labels

    def summary(self) -> dict[str, dict[str, int]]:
        """Rows per class per split, classes in `labels` order (zero counts included)."""
        out: dict[str, dict[str, int]] = {}
        for split in PROBE_SPLITS:
            _, labels = self._split(split)
            counts = pd.Series(labels, dtype=object).value_counts()
            out[split] = {label: int(counts.get(label, 0)) for label in self.labels}
        return out

    def fingerprint(self) -> str:
        """sha256 (hex) of the content: name, scheme, class order, texts and labels of both splits.

        `source` is left out: it describes the build, while the fingerprint keys caches of
        activations computed from the texts, which depend only on the content.
        """
        payload = {
            "name": self.name,
            "scheme": self.scheme,
            "labels": list(self.labels),
            "train_texts": list(self.train_texts),
            "train_labels": list(self.train_labels),
            "test_texts": list(self.test_texts),
            "test_labels": list(self.test_labels),
        }
        blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _check_cap(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")


def _load_corpus(corpus: str, path: str | os.PathLike[str] | None) -> pd.DataFrame:
    """The whole corpus as the common table (a seam the tests replace with a cached copy)."""
    return datasets.load(corpus, path=path)


def _single_labels(frame: pd.DataFrame, spec: _Spec) -> pd.Series:
    """One scheme label per row, or None where the row has several labels or no unique mapping."""
    source_scheme = datasets.info(spec.corpus).scheme
    mapped: dict[str, str | None] = {}

    def to_target(label: str) -> str | None:
        if label not in mapped:
            targets = map_label(label, source_scheme, spec.scheme)
            mapped[label] = targets[0] if len(targets) == 1 else None
        return mapped[label]

    def one(labels: Sequence[str]) -> str | None:
        distinct = list(dict.fromkeys(labels))
        if len(distinct) != 1:
            return None
        return to_target(distinct[0])

    return pd.Series([one(v) for v in frame["labels"]], index=frame.index, dtype=object)


def _clean(frame: pd.DataFrame, spec: _Spec, max_chars: int) -> pd.DataFrame:
    """Rows with one usable label and a non-empty text cut to `max_chars`: columns text, label,
    split (corpus order kept)."""
    out = pd.DataFrame(
        {
            "text": [(t or "").strip()[:max_chars] for t in frame["text"]],
            "label": _single_labels(frame, spec),
            "split": frame["split"],
        }
    )
    return out[out["text"].str.len().gt(0) & out["label"].notna()].reset_index(drop=True)


def _assign_split(table: pd.DataFrame, spec: _Spec, seed: int) -> pd.DataFrame:
    """Official train/test rows, or a label-stratified 80/20 split when there is no official one.

    Without an official split, identical texts are merged first so the split cannot put one
    text on both sides.
    """
    if spec.official_split:
        return table[table["split"].isin(PROBE_SPLITS)].reset_index(drop=True)
    table = table.drop_duplicates("text", keep="first").reset_index(drop=True)
    parts = datasets.stratified_split(
        table.rename(columns={"label": "labels"}),
        test_size=_TEST_FRACTION,
        dev_size=0.0,
        seed=seed,
    )
    return parts.rename(columns={"labels": "label"})


def _subsample(
    part: pd.DataFrame, cap: int | None, seed: int, stream: int, labels: tuple[str, ...]
) -> pd.DataFrame:
    """At most `cap` rows per class, drawn without replacement; rows keep their order.

    Each class draws from its own generator (seed, split, class), so one class's sample does not
    depend on how many rows the other classes have.
    """
    if cap is None:
        return part
    keep = np.zeros(len(part), dtype=bool)
    values = part["label"].to_numpy()
    for k, label in enumerate(labels):
        rows = np.flatnonzero(values == label)
        if len(rows) > cap:
            rng = np.random.default_rng([seed, stream, k])
            rows = rng.choice(rows, size=cap, replace=False)
        keep[rows] = True
    return part[keep]


def build_probe_set(
    dataset: str = "goemotions",
    *,
    max_train_per_class: int | None = None,
    max_test_per_class: int | None = None,
    max_chars: int = 1000,
    seed: int = 0,
    path: str | os.PathLike[str] | None = None,
) -> ProbeSet:
    """Single-label train/test texts of `dataset` (one of `PROBE_DATASETS`) for emotion probes.

    `max_*_per_class` keep at most that many rows per class (a deterministic sample for `seed`);
    `max_chars` cuts long texts; `seed` also draws the ISEAR split. `path` overrides the corpus
    folder. Test texts never appear in train; neither split repeats a text. Classes are left
    unbalanced on purpose: the probe pipeline balances them the paper's way.
    Raises UnknownNameError for an unknown name and DatasetNotFoundError for a missing corpus.
    """
    key = dataset.strip().lower() if isinstance(dataset, str) else dataset
    if key not in _SPECS:
        raise UnknownNameError("probe dataset", str(dataset), PROBE_DATASETS)
    _check_cap("max_train_per_class", max_train_per_class)
    _check_cap("max_test_per_class", max_test_per_class)
    if isinstance(max_chars, bool) or not isinstance(max_chars, int | np.integer) or max_chars < 1:
        raise ValueError(f"max_chars must be a positive int, got {max_chars!r}")
    spec = _SPECS[key]
    labels = tuple(get_scheme(spec.scheme).labels)

    table = _assign_split(_clean(_load_corpus(spec.corpus, path), spec, max_chars), spec, seed)
    train = table[table["split"] == "train"].drop_duplicates("text", keep="first")
    test = table[table["split"] == "test"].drop_duplicates("text", keep="first")
    test = test[~test["text"].isin(set(train["text"]))]  # against the full train, before caps
    train = _subsample(train, max_train_per_class, seed, 0, labels)
    test = _subsample(test, max_test_per_class, seed, 1, labels)

    source = (
        f"{spec.description}; empty texts dropped, texts cut to {max_chars} chars, duplicates "
        f"within a split and test texts seen in train removed; per-class caps train="
        f"{max_train_per_class} test={max_test_per_class}; seed={seed}"
    )
    return ProbeSet(
        name=key,
        scheme=spec.scheme,
        labels=labels,
        train_texts=train["text"].tolist(),
        train_labels=train["label"].tolist(),
        test_texts=test["text"].tolist(),
        test_labels=test["label"].tolist(),
        source=source,
    )
