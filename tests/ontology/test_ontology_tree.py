"""Invariants of the emotion tree: three tiers, one parent each, unique words, V/A/D, relations."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab import ontology
from affectlab.ontology import RELATION_TYPES, UnknownNameError

O = ontology.load()
PRIMARIES = ["love", "joy", "surprise", "anger", "sadness", "fear"]


def test_three_tiers_with_parrott_sizes():
    assert O.primary == PRIMARIES
    assert len(O.tier("secondary")) == 25
    assert len(O.tier(3)) == 105  # Parrott's ~135 tertiary words less the repeats (docs)
    assert {n.tier for n in O} == {1, 2, 3}


def test_every_node_has_exactly_one_parent_one_tier_up():
    for node in O:
        if node.tier == 1:
            assert node.parent is None
            continue
        parent = O.node(node.parent)
        assert parent.tier == node.tier - 1
        assert parent.children.count(node.name) == 1
    children = [c for n in O for c in n.children]
    assert len(children) == len(set(children)) == len(O) - 6


def test_cleaned_against_parrott():
    names = set(O.nodes)
    # typos and the extra group of the web copy are gone, the cleaned forms are present
    assert not names & {"centimentality", "corn", "sex", "sexy", "crosspatch", "attractiveness"}
    assert {"sentimentality", "scorn", "attraction", "loathing", "tenseness"} <= names
    assert O.path("scorn") == ["scorn", "rage", "anger"]
    assert O.path("loathing")[1] == "rage"


def test_no_word_in_two_nodes():
    seen: dict[str, str] = {}
    for node in O:
        for word in (node.name, *node.vocabulary):
            assert word not in seen, f"{word!r} in both {seen[word]} and {node.name}"
            seen[word] = node.name


def test_vocabulary_is_substantial_and_lookup_finds_it():
    sizes = [len(n.vocabulary) for n in O]
    assert sum(sizes) >= 300
    assert sum(1 for s in sizes if s) >= 100
    assert O.lookup("furious") == "fury"
    assert O.lookup("Cheerful") == "cheerfulness"
    assert O.lookup("joy") == "joy"
    assert O.lookup("mortgagor") is None  # curated out: spelling overlap only


def test_every_node_has_definition_and_vad_in_range():
    for node in O:
        assert node.definition and "\n" not in node.definition
        assert node.vad is not None, node.name
        assert all(-1.0 <= x <= 1.0 for x in node.vad)


def test_coordinates_are_centred_on_the_norms_average_word():
    from affectlab.ontology.vad import VAD

    assert VAD.from_warriner(5.064, 4.211, 5.185) == (0.0, 0.0, 0.0)
    assert VAD.from_warriner(7, 3, 6).to_warriner() == pytest.approx((7, 3, 6), abs=1e-3)
    assert VAD.from_warriner(9, 9, 9).arousal == 1.0  # clipped to the scale
    meta = O.provenance["vad"]
    assert meta["centre"] == pytest.approx([5.064, 4.211, 5.185], abs=1e-3)


def test_proxies_fix_misleading_senses():
    # the norms rate "rapture" (the religious event) and "gaiety" near neutral
    assert ontology.to_vad("rapture").valence > 0.3
    assert ontology.to_vad("gaiety").valence > 0.3
    assert ontology.to_vad("alarm").dominance < 0


def test_vad_agrees_with_common_sense():
    assert ontology.to_vad("joy").valence > 0.4
    assert ontology.to_vad("sadness").valence < -0.3
    assert ontology.to_vad("anger").valence < -0.3
    assert ontology.to_vad("rage").arousal > ontology.to_vad("contentment").arousal
    assert ontology.to_vad("terror").arousal > ontology.to_vad("melancholy").arousal
    assert ontology.to_vad("pride").dominance > ontology.to_vad("humiliation").dominance
    assert ontology.to_vad("neutral") == (0.0, 0.0, 0.0)


def test_path_and_public_api():
    assert ontology.path("amusement") == ["amusement", "cheerfulness", "joy"]
    assert ontology.path("longing") == ["longing", "love"]
    assert ontology.path("Joy") == ["joy"]
    assert O.is_a("fury", "anger") and not O.is_a("fury", "fear")
    assert set(O.descendants("surprise")) == {"amazement", "astonishment"}


def test_nearest():
    for name in ("sadness", "fear", "joy", "anger"):
        assert ontology.nearest(*ontology.to_vad(name), tier="primary") == name
    assert ontology.nearest(*ontology.to_vad("fury")) == "fury"
    assert O.primary_of(ontology.nearest(0.7, 0.6, 0.3)) == "joy"
    assert O.primary_of(ontology.nearest(-0.6, -0.2, -0.4)) == "sadness"
    hits = O.nearest(-0.6, 0.5, k=3)
    assert len(hits) == 3 and hits[0][1] <= hits[1][1] <= hits[2][1]
    assert ontology.nearest(np.float32(0.5), np.float64(0.2))  # numpy scalars are numbers
    for bad in [(5.0, 3.0), (float("nan"), 0.0), (True, 0.0), ("0.5", 0.0)]:
        with pytest.raises(ValueError, match=r"\[-1, 1\]"):
            ontology.nearest(*bad)
    with pytest.raises(ValueError, match="positive integer"):
        O.nearest(0.1, 0.1, k=0)


def test_no_compound_is_made_of_its_own_sub_kind():
    for r in O.relations:
        if r.type == "is_composed_of":
            assert r.target not in O.descendants(r.source), r
        if r.type == "is_opposite_of":
            assert not O.is_a(r.source, r.target) and not O.is_a(r.target, r.source), r


def test_relations_are_typed_valid_and_queryable():
    assert {r.type for r in O.relations} == set(RELATION_TYPES)
    for r in O.relations:
        assert r.source in O.nodes and r.target in O.nodes and r.source != r.target
        assert r.evidence
    assert "sadness" in O.opposites("joy") and "joy" in O.opposites("sadness")
    assert O.components("contempt") == ["disgust", "anger"]
    assert O.components("love") == []  # joy + trust cannot be written without a cycle (docs)
    assert "rage" in O.leads_to("frustration")
    assert all(r.type == "leads_to" for r in O.related("frustration", "leads_to"))


def test_unknown_names_list_valid_and_closest():
    with pytest.raises(UnknownNameError) as info:
        ontology.path("amusment")
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, KeyError)
    assert err.suggestions[0] == "amusement"
    assert "Did you mean: amusement" in str(err)
    with pytest.raises(UnknownNameError, match="relation type"):
        O.related("joy", "causes")
    assert O.related("joy", "is-opposite-of") == O.related("joy", "is_opposite_of")
    assert O.tier(" primary ") == O.primary
    with pytest.raises(TypeError):
        O.lookup(None)
    with pytest.raises(UnknownNameError):
        O.tier("quaternary")
