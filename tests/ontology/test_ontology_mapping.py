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


QUADRANT_EXEMPLARS = {
    "positive-high": ["joy", "excitement", "elation", "thrill", "triumph"],
    "negative-high": ["anger", "fear", "rage", "panic", "nervousness", "annoyance", "tenseness"],
    "negative-low": ["sadness", "sorrow", "loneliness", "gloom", "dejection"],
    "positive-low": ["caring", "tenderness", "satisfaction", "fondness"],
}


def test_russell_quadrants_hold_their_exemplars():
    for q, names in QUADRANT_EXEMPLARS.items():
        for name in names:
            assert map_label(name, "parrott", "russell") == [q], name
    assert map_label("boredom", "emodb", "russell") == ["negative-low"]
    assert map_label("nervousness", "goemotions", "russell") == ["negative-high"]
    assert "sadness" in map_label("negative-low", "russell", "carer")
    assert "anger" not in map_label("negative-low", "russell", "carer")
    q2 = map_label("q2", "russell", "goemotions")
    assert {"anger", "annoyance", "fear", "nervousness"} <= set(q2)


def test_self_mapping_is_the_identity():
    for name in ontology.schemes():
        sch = get_scheme(name)
        for label in sch.labels:
            assert map_label(label, name, name) == [label], (name, label)
        p = np.random.default_rng(1).dirichlet(np.ones(len(sch)))
        assert map_proba(p, name, name).probs == pytest.approx(p)


def test_same_concept_without_a_node_maps_across_schemes():
    assert map_label("boredom", "emodb", "crowdflower") == ["boredom"]
    assert map_label("empty", "crowdflower", "goemotions") == []


def test_ekman_style_happiness_is_the_same_everywhere():
    for scheme in ("ekman6", "ekman7", "meld7", "fer7", "emodb7", "isear7"):
        for label in ("love", "admiration", "caring", "desire"):
            assert map_label(label, "goemotions", scheme), (label, scheme)


def test_route_independence_for_the_sadness_family():
    for label in ("disappointment", "remorse", "embarrassment", "grief"):
        direct = map_label(label, "goemotions", "crowdflower")
        via = map_label(map_label(label, "goemotions", "ekman")[0], "ekman", "crowdflower")
        assert direct == via == ["sadness"], label


def test_anticipation_is_not_part_of_joy():
    assert map_label("joy", "ekman", "plutchik") == ["joy", "trust"]
    assert map_proba({"joy": 1.0}, "ekman", "plutchik").as_dict()["anticipation"] == 0.0


def test_exact_match_takes_the_mass_narrower_labels_are_listed():
    assert map_label("sadness", "ekman", "isear") == ["sadness", "shame", "guilt"]
    assert map_proba({"sadness": 1.0}, "ekman", "isear").as_dict()["sadness"] == 1.0
    m = ontology.explain_mapping("sadness", "ekman", "isear")
    assert m.primary == ("sadness",) and m.relation == "equivalent"


def test_relation_and_approximation_are_reported_honestly():
    m = ontology.explain_mapping("love", "carer", "ekman")
    assert m.relation == "broader" and not m.approximate
    m = ontology.explain_mapping("confusion", "goemotions", "ekman")
    assert m.approximate
    assert ontology.explain_mapping("joy", "carer", "leia").relation == "equivalent"
    assert ontology.explain_mapping("joy", "ekman", "carer").relation == "narrower"


def test_custom_scheme_objects_work():
    from affectlab.ontology import Scheme, SchemeLabel

    mine = Scheme(name="mine", title="two moods",
                  labels={"up": SchemeLabel("up", ("joy",)), "down": SchemeLabel("down", ("sadness",))})
    assert map_label("up", mine, "ekman") == ["joy"]
    assert map_proba([0.3, 0.7], mine, "ekman").as_dict()["sadness"] == pytest.approx(0.7)
    shadow = Scheme(name="ekman6", title="not Ekman",
                    labels={"x": SchemeLabel("x", ("fear",))})
    assert map_proba([1.0], shadow, "carer").as_dict()["fear"] == 1.0


def test_label_vad():
    # labels standing on a nearest node keep their own rating
    assert ontology.to_vad("confusion", scheme="goemotions").valence < 0
    assert ontology.to_vad("surprise", scheme="ekman").valence > 0
    assert ontology.to_vad("boredom", scheme="emodb").arousal < 0
    assert ontology.to_vad("joy", scheme="ekman").valence > 0
    with pytest.raises(UnknownNameError):
        ontology.to_vad("bored", scheme="emodb")


def test_map_proba_moves_mass_and_reports_losses():
    src = get_scheme("goemotions")
    p = np.full(len(src), 1 / len(src))
    r7 = map_proba(p, "goemotions", "ekman7", combine="sum")
    assert r7.probs.sum() == pytest.approx(1.0) and r7.unmapped == pytest.approx(0.0)
    r6 = map_proba(p, "goemotions", "ekman6", combine="sum")
    assert r6.unmapped == pytest.approx(1 / 28)
    assert r6.probs.sum() == pytest.approx(27 / 28)
    joy = r6.as_dict()["joy"]
    assert joy == pytest.approx(12 / 28)
    batch = map_proba(np.vstack([p, p]), "goemotions", "ekman6", combine="sum")
    assert batch.probs.shape == (2, 6) and batch.unmapped.shape == (2,)
    d = map_proba({"admiration": 0.7, "neutral": 0.3}, "goemotions", "ekman",
                  combine="sum").as_dict()
    assert d["joy"] == pytest.approx(0.7) and sum(d.values()) == pytest.approx(0.7)
    split = map_proba({"joy": 1.0}, "ekman", "carer")
    assert split.split == ["joy"] and split.as_dict()["joy"] == pytest.approx(0.5)


def test_map_proba_treats_multi_label_sources_as_independent_scores():
    """GoEmotions scores are independent sigmoids: by default they combine by noisy-or, so no
    target exceeds 1 (summing them once gave joy = 1.083 for "I love it")."""
    scores = {"love": 0.95, "joy": 0.6, "admiration": 0.5, "gratitude": 0.3}
    auto = map_proba(scores, "goemotions", "ekman7").as_dict()
    assert auto == pytest.approx(map_proba(scores, "goemotions", "ekman7",
                                           combine="noisy-or").as_dict())
    assert 0.99 < auto["joy"] <= 1.0
    assert get_scheme("goemotions").multi_label and not get_scheme("ekman7").multi_label
    assert map_proba({"joy": 0.6, "anger": 0.4}, "ekman7", "carer").probs.sum() == \
        pytest.approx(1.0)  # exclusive labels still add up
    with pytest.warns(UserWarning, match="add up to more than 1.*noisy-or"):
        map_proba(scores, "goemotions", "ekman7", combine="sum")


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
    lost = map_proba({"neutral": 0.9, "joy": 0.5, "confusion": 0.2}, "goemotions", "ekman6",
                     combine="max")
    assert lost.unmapped == pytest.approx(0.9) and lost.split == []
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
    with pytest.raises(ValueError, match="same label"):
        map_proba({"joy": 0.6, "happiness": 0.6}, "ekman", "carer")


def test_unknown_scheme_and_label_errors():
    with pytest.raises(UnknownNameError) as info:
        map_label("joy", "ekmann", "carer")
    assert "ekman6" in info.value.suggestions or "ekman" in info.value.suggestions
    assert "Valid schemes:" in str(info.value)
    with pytest.raises(UnknownNameError) as info:
        map_label("admiraton", "goemotions", "ekman")
    assert info.value.suggestions == ["admiration"]
    assert "Valid labels:" in str(info.value)
