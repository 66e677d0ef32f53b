"""Probe text sets: classes, single-label rows, mapping, disjoint splits, caps, seeds, fingerprint.

Tests on real corpora use the `data_dir` fixture (skip when ../shared/data is absent); each
corpus is read once per module through a cached loader patched into `probe_data`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from affectlab.datasets import DatasetNotFoundError
from affectlab.errors import UnknownNameError
from affectlab.lm.probing import probe_data
from affectlab.lm.probing.probe_data import PROBE_DATASETS, ProbeSet, build_probe_set

EKMAN7 = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
CARER6 = ("sadness", "joy", "love", "anger", "fear", "surprise")
ISEAR7 = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpora(data_dir: Path) -> Iterator[None]:
    """Serve each corpus from memory after its first load, for every build in this module."""
    cached = functools.cache(probe_data._load_corpus)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(probe_data, "_load_corpus", cached)
        yield
    cached.cache_clear()


@pytest.fixture(scope="module")
def goemotions_raw(corpora: None) -> pd.DataFrame:
    return probe_data._load_corpus("goemotions", None)


@pytest.fixture(scope="module")
def goemotions_set(corpora: None) -> ProbeSet:
    return build_probe_set("goemotions")


@pytest.fixture(scope="module")
def goemotions_capped(corpora: None) -> ProbeSet:
    return build_probe_set("goemotions", max_train_per_class=40, max_test_per_class=15, seed=0)


@pytest.fixture(scope="module")
def carer_set(corpora: None) -> ProbeSet:
    return build_probe_set("carer")


@pytest.fixture(scope="module")
def isear_set(corpora: None) -> ProbeSet:
    return build_probe_set("isear")


def _tiny(**changes: object) -> ProbeSet:
    fields: dict[str, object] = {
        "name": "tiny",
        "scheme": "ekman7",
        "labels": ("joy", "anger", "neutral"),
        "train_texts": ["a good day", "so cross", "fine", "lovely"],
        "train_labels": ["joy", "anger", "neutral", "joy"],
        "test_texts": ["what fun", "grr"],
        "test_labels": ["joy", "anger"],
        "source": "hand-made",
    }
    fields.update(changes)
    return ProbeSet(**fields)  # type: ignore[arg-type]


# --- no data needed --------------------------------------------------------------------------


def test_probe_datasets_names() -> None:
    assert PROBE_DATASETS == ("goemotions", "carer", "isear")


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(UnknownNameError) as err:
        build_probe_set("goemotion")
    message = str(err.value)
    assert "goemotions?" in message  # closest match suggested
    for name in PROBE_DATASETS:
        assert name in message
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    "options",
    [{"max_train_per_class": 0}, {"max_test_per_class": -3}, {"max_train_per_class": 2.5},
     {"max_chars": 0}],
)  # fmt: skip
def test_bad_options_rejected(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        build_probe_set("carer", **options)  # type: ignore[arg-type]


def test_missing_corpus_propagates(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError):
        build_probe_set("carer", path=tmp_path / "no-such-folder")


def test_summary_counts_every_class_in_order() -> None:
    summary = _tiny().summary()
    assert summary == {
        "train": {"joy": 2, "anger": 1, "neutral": 1},
        "test": {"joy": 1, "anger": 1, "neutral": 0},
    }
    assert list(summary["train"]) == ["joy", "anger", "neutral"]


def test_fingerprint_stable_and_content_sensitive() -> None:
    base = _tiny().fingerprint()
    assert base == _tiny().fingerprint()
    assert len(base) == 64 and int(base, 16) >= 0
    assert _tiny(source="described differently").fingerprint() == base  # content only
    assert _tiny(test_texts=["what fun!", "grr"]).fingerprint() != base
    assert _tiny(train_labels=["joy", "anger", "neutral", "anger"]).fingerprint() != base
    assert _tiny(labels=("anger", "joy", "neutral")).fingerprint() != base
    assert _tiny(name="other").fingerprint() != base


def test_probe_set_checks_its_content() -> None:
    with pytest.raises(ValueError, match="pair up"):
        _tiny(test_labels=["joy"])
    with pytest.raises(ValueError, match="not among"):
        _tiny(test_labels=["joy", "fear"])
    with pytest.raises(ValueError, match="distinct"):
        _tiny(labels=("joy", "joy", "anger", "neutral"))


# --- GoEmotions: Ekman-7 ---------------------------------------------------------------------


def test_goemotions_has_the_seven_ekman_classes(goemotions_set: ProbeSet) -> None:
    assert goemotions_set.name == "goemotions"
    assert goemotions_set.scheme == "ekman7"
    assert goemotions_set.labels == EKMAN7
    assert set(goemotions_set.train_labels) == set(EKMAN7)
    assert set(goemotions_set.test_labels) == set(EKMAN7)
    assert "validation" in goemotions_set.source


def test_goemotions_keeps_only_single_label_rows(
    goemotions_set: ProbeSet, goemotions_raw: pd.DataFrame
) -> None:
    for split, texts in (("train", goemotions_set.train_texts),
                         ("test", goemotions_set.test_texts)):  # fmt: skip
        raw = goemotions_raw[goemotions_raw["split"] == split]
        text = raw["text"].str.strip()
        single = set(text[raw["labels"].map(len) == 1])
        assert set(texts) <= single
        only_multi = set(text[raw["labels"].map(len) > 1]) - single
        assert only_multi and not only_multi & set(texts)
        assert len(texts) <= len(single)


@pytest.mark.parametrize(
    ("goemotions_label", "ekman"),
    [("admiration", "joy"), ("gratitude", "joy"), ("annoyance", "anger"),
     ("disapproval", "anger"), ("nervousness", "fear"), ("realization", "surprise"),
     ("embarrassment", "sadness"), ("disgust", "disgust"), ("neutral", "neutral")],
)  # fmt: skip
def test_goemotions_known_rows_map_to_ekman(
    goemotions_set: ProbeSet, goemotions_raw: pd.DataFrame, goemotions_label: str, ekman: str
) -> None:
    raw = goemotions_raw[goemotions_raw["split"] == "train"]
    text = raw["text"].str.strip()
    unique = ~text.duplicated(keep=False)  # a text seen once, so its label is unambiguous
    rows = text[unique & raw["labels"].map(lambda labels: labels == [goemotions_label])]
    assert len(rows) >= 3
    found = dict(zip(goemotions_set.train_texts, goemotions_set.train_labels, strict=True))
    for sample in rows.head(3):
        assert found[sample] == ekman


def test_goemotions_uses_the_official_splits(
    goemotions_set: ProbeSet, goemotions_raw: pd.DataFrame
) -> None:
    dev = set(goemotions_raw.loc[goemotions_raw["split"] == "dev", "text"].str.strip())
    train = set(goemotions_raw.loc[goemotions_raw["split"] == "train", "text"].str.strip())
    dev_only = (
        dev - train - set(goemotions_raw.loc[goemotions_raw["split"] == "test", "text"].str.strip())
    )
    assert dev_only and not dev_only & set(goemotions_set.train_texts)
    assert set(goemotions_set.train_texts) <= train


def test_capped_goemotions_respects_caps_per_class(
    goemotions_capped: ProbeSet, goemotions_set: ProbeSet
) -> None:
    full = goemotions_set.summary()
    capped = goemotions_capped.summary()
    assert capped["train"] == {c: min(40, full["train"][c]) for c in EKMAN7}
    assert capped["test"] == {c: min(15, full["test"][c]) for c in EKMAN7}
    # a subsample of the full set, in corpus order
    position = {t: i for i, t in enumerate(goemotions_set.train_texts)}
    order = [position[t] for t in goemotions_capped.train_texts]
    assert order == sorted(order)
    full_pairs = set(zip(goemotions_set.test_texts, goemotions_set.test_labels, strict=True))
    assert set(zip(goemotions_capped.test_texts, goemotions_capped.test_labels,
                   strict=True)) <= full_pairs  # fmt: skip


def test_capping_is_deterministic_per_seed(goemotions_capped: ProbeSet) -> None:
    again = build_probe_set("goemotions", max_train_per_class=40, max_test_per_class=15, seed=0)
    assert again == goemotions_capped
    assert again.fingerprint() == goemotions_capped.fingerprint()
    other = build_probe_set("goemotions", max_train_per_class=40, max_test_per_class=15, seed=1)
    assert other.summary() == goemotions_capped.summary()
    assert other.train_texts != goemotions_capped.train_texts
    assert other.test_texts != goemotions_capped.test_texts
    assert other.fingerprint() != goemotions_capped.fingerprint()


def test_train_cap_leaves_test_untouched(goemotions_set: ProbeSet) -> None:
    capped = build_probe_set("goemotions", max_train_per_class=10)
    assert capped.test_texts == goemotions_set.test_texts
    assert capped.test_labels == goemotions_set.test_labels
    assert max(capped.summary()["train"].values()) == 10


# --- every set -------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["goemotions_set", "carer_set", "isear_set"])
def test_splits_are_disjoint_and_without_repeats(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    probe: ProbeSet = request.getfixturevalue(fixture)
    assert probe.train_texts and probe.test_texts
    assert len(set(probe.train_texts)) == len(probe.train_texts)
    assert len(set(probe.test_texts)) == len(probe.test_texts)
    assert not set(probe.train_texts) & set(probe.test_texts)
    assert all(t and t == t.strip() and len(t) <= 1000 for t in probe.train_texts)
    summary = probe.summary()
    assert sum(summary["train"].values()) == len(probe.train_texts)
    assert sum(summary["test"].values()) == len(probe.test_texts)


def test_carer_has_six_classes(carer_set: ProbeSet) -> None:
    assert carer_set.scheme == "carer6"
    assert carer_set.labels == CARER6
    assert set(carer_set.train_labels) == set(CARER6) == set(carer_set.test_labels)
    assert 15_900 <= len(carer_set.train_texts) <= 16_000  # official train, a few repeats out
    assert 1_950 <= len(carer_set.test_texts) <= 2_000


def test_isear_split_is_stratified_and_disjoint(isear_set: ProbeSet, corpora: None) -> None:
    assert isear_set.scheme == "isear7"
    assert isear_set.labels == ISEAR7
    raw = probe_data._load_corpus("isear", None)
    distinct = set(raw["text"].str.strip()) - {""}
    assert set(isear_set.train_texts) | set(isear_set.test_texts) == distinct  # nothing lost
    train, test = isear_set.summary()["train"], isear_set.summary()["test"]
    for label in ISEAR7:
        total = train[label] + test[label]
        assert abs(test[label] - 0.2 * total) <= 2, (label, train[label], test[label])


def test_isear_seed_draws_another_split(isear_set: ProbeSet) -> None:
    other = build_probe_set("isear", seed=1)
    assert set(other.test_texts) != set(isear_set.test_texts)
    assert set(other.train_texts) | set(other.test_texts) == (
        set(isear_set.train_texts) | set(isear_set.test_texts)
    )
    counts = Counter(other.test_labels)
    assert all(abs(counts[c] - isear_set.summary()["test"][c]) <= 2 for c in ISEAR7)


def test_max_chars_cuts_texts(corpora: None, carer_set: ProbeSet) -> None:
    short = build_probe_set("carer", max_chars=20)
    assert max(len(t) for t in short.train_texts) == 20
    assert short.train_texts[0] == carer_set.train_texts[0][:20]
    assert short.fingerprint() != carer_set.fingerprint()


def test_fingerprint_is_stable_across_builds(carer_set: ProbeSet) -> None:
    assert build_probe_set("carer").fingerprint() == carer_set.fingerprint()
