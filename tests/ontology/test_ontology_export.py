"""EmotionML and OWL/Turtle exports parse back to what was exported."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from rdflib import RDF, SKOS, Graph, Namespace

from affectlab import ontology
from affectlab.ontology.export import (
    BIG6_SET,
    EMOTIONML_NS,
    ONTOLOGY_IRI,
    PAD_SET,
    from_emotionml,
    to_emotionml,
    to_turtle,
)

AL = Namespace(ONTOLOGY_IRI)


def test_emotionml_ekman_uses_w3c_big6_and_pad():
    xml = to_emotionml([{"labels": {"joy": 0.8, "surprise": 0.1}, "vad": (0.5, -0.2, 0.0),
                         "id": "t1", "text": "what a day"}], "ekman")
    root = ET.fromstring(xml)
    assert root.tag == f"{{{EMOTIONML_NS}}}emotionml" and root.get("version") == "1.0"
    assert root.get("category-set") == BIG6_SET and root.get("dimension-set") == PAD_SET
    [back] = from_emotionml(xml)
    assert back["labels"] == {"happiness": 0.8, "surprise": 0.1}
    assert back["vad"] == pytest.approx((0.5, -0.2, 0.0))
    assert back["id"] == "t1" and back["text"] == "what a day"


def test_emotionml_other_schemes_declare_their_vocabulary():
    xml = to_emotionml(["admiration", {"labels": ["joy", "relief"]}], "goemotions",
                       expressed_through="text")
    root = ET.fromstring(xml)
    ns = {"e": EMOTIONML_NS}
    assert root.get("category-set") == "#goemotions"
    voc = root.find("e:vocabulary", ns)
    assert voc.get("id") == "goemotions" and voc.get("type") == "category"
    assert len(voc.findall("e:item", ns)) == 28
    emotions = root.findall("e:emotion", ns)
    assert [e.get("expressed-through") for e in emotions] == ["text", "text"]
    assert [c.get("name") for c in emotions[1]] == ["joy", "relief"]


def test_emotionml_rejects_bad_annotations():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_emotionml([{"labels": {"joy": 1.5}}], "ekman")
    with pytest.raises(ValueError, match="neither labels nor vad"):
        to_emotionml([{"id": "x"}], "ekman")
    with pytest.raises(ontology.UnknownNameError):
        to_emotionml(["happy-ish"], "ekman")


def test_turtle_parses_with_the_tree_and_relations():
    g = Graph().parse(data=to_turtle(), format="turtle")
    o = ontology.load()
    for cls, tier in ((AL.PrimaryEmotion, 1), (AL.SecondaryEmotion, 2), (AL.TertiaryEmotion, 3)):
        assert len(set(g.subjects(RDF.type, cls))) == len(o.tier(tier))
    broader = list(g.subject_objects(SKOS.broader))
    assert len(broader) == len(o) - 6
    assert (AL.amusement, SKOS.broader, AL.cheerfulness) in g
    assert (AL.joy, AL.isOppositeOf, AL.sadness) in g
    assert (AL.love, AL.isComposedOf, AL.affection) in g
    assert (AL.frustration, AL.leadsTo, AL.rage) in g
    valence = float(g.value(AL.joy, AL.valence))
    assert valence == pytest.approx(o.to_vad("joy").valence, abs=1e-4)
    label = AL["scheme/goemotions/admiration"]
    assert (label, SKOS.closeMatch, AL.adoration) in g
