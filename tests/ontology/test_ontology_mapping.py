"""Label schemes and mapping between them through the tree."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from affectlab import ontology
from affectlab.ontology import NEUTRAL, UnknownNameError, get_scheme, map_label, map_proba

EXPECTED = {
    "goemotions": 28, "ekman6": 6, "ekman7": 7, "plutchik8": 8, "leia5": 5, "carer6": 6,
    "tweeteval4": 4, "isear7": 7, "meld7": 7, "emorynlp7": 7, "emodb7": 7, "fer7": 7,
    "russell4": 4, "crowdflower13": 13, "parrott-primary": 6, "parrott-secondary": 25,
}


def test_all_schemes_present_with_their_sizes():
    for name, size in EXPECTED.items():
        assert len(get_scheme(name)) == size, name


def test_every_label_mapped_or_explicitly_unmapped():
    o = ontology.load()
    for name in ontology.schemes():
        for lab in get_scheme(name).labels.values():
            if lab.region is not None:
                continue
            if lab.unmapped:
                assert lab.note, f"{name}:{lab.name} is unmapped without saying why"
            for node in lab.nodes:
                assert node == NEUTRAL or node in o.nodes


def test_aliases_and_case():
    assert get_scheme("Ekman").name == "ekman6"
    assert get_scheme("GoEmotions-28").name == "goemotions"
    assert get_scheme("dair_emotion").name == "carer6"
    assert map_label("Happiness", "ekman", "carer") == ["joy", "love"]
    assert map_label("q3", "russell", "russell") == ["negative-low"]


def test_done_when_admiration_is_joy():
    assert map_label("admiration", "goemotions", "ekman") == ["joy"]


def test_goemotions_to_ekman_matches_the_authors_mapping(data_dir):
    published = json.loads((data_dir / "goemotions" / "ekman_mapping.json").read_text())
    for ekman, fine in published.items():
        for label in fine:
            assert map_label(label, "goemotions", "ekman") == [ekman], label
    assert map_label("neutral", "goemotions", "ekman7") == ["neutral"]


def test_closest_ancestor_wins():
    # disgust sits under anger in Parrott's tree, but Ekman has disgust itself
    assert map_label("disgust", "goemotions", "ekman") == ["disgust"]
    assert map_label("guilt", "isear", "isear") == ["guilt"]
    assert map_label("guilt", "isear", "ekman") == ["sadness"]
    assert map_label("optimism", "goemotions", "tweeteval") == ["optimism"]
    assert map_label("joy", "goemotions", "tweeteval") == ["joy"]


def test_coarse_to_fine_lists_the_narrower_labels():
    assert map_label("anger", "ekman", "goemotions") == ["anger", "annoyance", "disapproval"]
    assert "disgust" not in map_label("anger", "ekman", "goemotions")
    assert map_label("surprise", "ekman", "goemotions") == [
        "confusion", "curiosity", "realization", "surprise"]
    m = ontology.explain_mapping("fear", "carer", "goemotions")
    assert m.targets == ["fear", "nervousness"] and m.relation == "narrower"


def test_no_equivalent_is_explicit():
    for label, src, dst in [("surprise", "carer", "tweeteval"), ("boredom", "emodb", "ekman"),
                            ("neutral", "goemotions", "ekman6"), ("love", "carer", "tweeteval"),
                            ("neutral", "meld", "russell")]:
        m = ontology.explain_mapping(label, src, dst)
        assert m.targets == [] and m.relation == "none"
        assert any("no equivalent" in n for n in m.notes)


def test_mapping_fine_to_coarse_round_trips():
    for src, dst in [("goemotions", "ekman7"), ("parrott", "carer6"), ("isear7", "ekman6")]:
        for label in get_scheme(src).labels:
            for target in map_label(label, src, dst):
                assert label in map_label(target, dst, src), (label, target)


def test_every_pair_of_schemes_maps_without_error():
    names = ontology.schemes()
    for src, dst in itertools.product(names, names):
        valid = set(get_scheme(dst).labels)
        for label in get_scheme(src).labels:
            assert set(map_label(label, src, dst)) <= valid


def test_russell_quadrants_through_vad():
    assert map_label("sadness", "carer", "russell") == ["negative-low"]
    assert map_label("anger", "carer", "russell") == ["negative-high"]
    assert map_label("fear", "carer", "russell") == ["negative-high"]
    assert map_label("boredom", "emodb", "russell") == ["negative-low"]
    assert "sadness" in map_label("negative-low", "russell", "carer")
    assert "anger" not in map_label("negative-low", "russell", "carer")


def test_label_vad():
    assert ontology.to_vad("boredom", scheme="emodb").arousal < 0
    assert ontology.to_vad("joy", scheme="ekman").valence > 0
    with pytest.raises(UnknownNameError):
        ontology.to_vad("bored", scheme="emodb")


def test_map_proba_moves_mass_and_reports_losses():
    src = get_scheme("goemotions")
    p = np.full(len(src), 1 / len(src))
    r7 = map_proba(p, "goemotions", "ekman7")
    assert r7.probs.sum() == pytest.approx(1.0) and r7.unmapped == pytest.approx(0.0)
    r6 = map_proba(p, "goemotions", "ekman6")
    assert r6.unmapped == pytest.approx(1 / 28)
    assert r6.probs.sum() == pytest.approx(27 / 28)
    joy = r6.as_dict()["joy"]
    assert joy == pytest.approx(12 / 28)
    batch = map_proba(np.vstack([p, p]), "goemotions", "ekman6")
    assert batch.probs.shape == (2, 6) and batch.unmapped.shape == (2,)
    d = map_proba({"admiration": 0.7, "neutral": 0.3}, "goemotions", "ekman").as_dict()
    assert d["joy"] == pytest.approx(0.7) and sum(d.values()) == pytest.approx(0.7)
    split = map_proba({"joy": 1.0}, "ekman", "carer")
    assert split.split == ["joy"] and split.as_dict()["joy"] == pytest.approx(0.5)


def test_map_proba_multilabel_combines():
    scores = {"amusement": 0.9, "joy": 0.6, "anger": 0.2}
    mx = map_proba(scores, "goemotions", "ekman", combine="max").as_dict()
    assert mx["joy"] == pytest.approx(0.9) and mx["anger"] == pytest.approx(0.2)
    nor = map_proba(scores, "goemotions", "ekman", combine="noisy-or").as_dict()
    assert nor["joy"] == pytest.approx(1 - 0.1 * 0.4)
    assert nor["sadness"] == pytest.approx(0.0)
    # one-to-many: every target gets the full score, not a share
    fine = map_proba({"joy": 0.8}, "ekman", "carer", combine="max").as_dict()
    assert fine == {"sadness": 0.0, "joy": 0.8, "love": 0.8, "anger": 0.0, "fear": 0.0,
                    "surprise": 0.0}
    batch = map_proba(np.random.default_rng(0).random((5, 28)), "goemotions", "ekman7",
                      combine="noisy-or")
    assert batch.probs.shape == (5, 7) and np.all((batch.probs >= 0) & (batch.probs <= 1))
    with pytest.raises(ValueError, match="combine"):
        map_proba(scores, "goemotions", "ekman", combine="mean")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        map_proba({"joy": 2.0}, "goemotions", "ekman", combine="max")


def test_mapping_matrix_is_cached_but_safe_to_modify():
    a = ontology.mapping_matrix("goemotions", "ekman")
    a[:] = 0
    b = ontology.mapping_matrix("goemotions", "ekman")
    assert b.sum() == pytest.approx(27)


def test_map_proba_rejects_bad_input():
    with pytest.raises(ValueError, match="28 labels"):
        map_proba([0.5, 0.5], "goemotions", "ekman")
    with pytest.raises(ValueError, match="non-negative"):
        map_proba([-1.0] + [0.0] * 5, "ekman", "carer")
    with pytest.raises(UnknownNameError, match="Did you mean: joy"):
        map_proba({"joyy": 1.0}, "ekman", "carer")


def test_unknown_scheme_and_label_errors():
    with pytest.raises(UnknownNameError) as info:
        map_label("joy", "ekmann", "carer")
    assert "ekman6" in info.value.suggestions or "ekman" in info.value.suggestions
    assert "Valid schemes:" in str(info.value)
    with pytest.raises(UnknownNameError) as info:
        map_label("admiraton", "goemotions", "ekman")
    assert info.value.suggestions == ["admiration"]
    assert "Valid labels:" in str(info.value)
