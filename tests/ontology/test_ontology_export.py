"""EmotionML and OWL/Turtle exports: valid output that parses back to what was exported."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Namespace, URIRef

from affectlab import ontology
from affectlab.ontology.export import (
    BIG6_SET,
    EMOTIONML_NS,
    ONTOLOGY_IRI,
    PAD_SET,
    SCHEME_IRI,
    from_emotionml,
    to_emotionml,
    to_turtle,
    validate_annotation,
)

AL = Namespace(ONTOLOGY_IRI)
ALS = Namespace(SCHEME_IRI)
NS = {"e": EMOTIONML_NS}
E = f"{{{EMOTIONML_NS}}}"


# --- EmotionML: writing ----------------------------------------------------------------------

def test_emotionml_ekman_uses_w3c_big6_and_pad():
    xml = to_emotionml([{"labels": {"joy": 0.8, "surprise": 0.1}, "vad": (0.5, -0.2, 0.0),
                         "id": "t1", "text": "what a day"}], "ekman")
    root = ET.fromstring(xml)
    assert root.tag == f"{E}emotionml" and root.get("version") == "1.0"
    assert root.get("category-set") == BIG6_SET and root.get("dimension-set") == PAD_SET
    [back] = from_emotionml(xml)
    assert back["labels"] == {"happiness": 0.8, "surprise": 0.1}
    assert back["vad"] == pytest.approx((0.5, -0.2, 0.0))
    assert back["dimensions"] == pytest.approx({"pleasure": 0.75, "arousal": 0.4, "dominance": 0.5})
    assert back["id"] == "t1" and back["text"] == "what a day"


def test_emotionml_other_schemes_declare_their_vocabulary():
    xml = to_emotionml(["admiration", {"labels": ["joy", "relief"]}], "goemotions",
                       expressed_through="text")
    root = ET.fromstring(xml)
    assert root.get("category-set") == "#goemotions"
    voc = root.find("e:vocabulary", NS)
    assert voc.get("id") == "goemotions" and voc.get("type") == "category"
    assert len(voc.findall("e:item", NS)) == 28
    emotions = root.findall("e:emotion", NS)
    assert [e.get("expressed-through") for e in emotions] == ["text", "text"]
    assert [c.get("name") for c in emotions[1]] == ["joy", "relief"]


def test_emotionml_info_is_the_first_child_of_emotion():
    xml = to_emotionml([{"labels": ["anger", "fear"], "vad": (-0.5, 0.6, 0.1), "text": "argh"}],
                       "ekman")
    [emotion] = ET.fromstring(xml).findall("e:emotion", NS)
    assert [child.tag for child in emotion] == [
        f"{E}info", f"{E}category", f"{E}category",
        f"{E}dimension", f"{E}dimension", f"{E}dimension"]
    assert emotion[0].text == "argh"


def test_emotionml_round_trips_through_from_emotionml():
    anns = [{"labels": {"happy": 0.9}, "vad": (0.5, 0.25, -0.5), "id": "a", "text": "",
             "expressed_through": "face voice"}, "sad"]
    back = from_emotionml(to_emotionml(anns, "ekman"))
    assert back[0]["expressed_through"] == "face voice" and back[0]["text"] == ""
    assert back[1] == {"id": None, "labels": {"sadness": None}, "vad": None, "dimensions": {},
                       "text": None, "expressed_through": None, "category_set": BIG6_SET,
                       "dimension_set": PAD_SET}
    assert from_emotionml(to_emotionml(back, "ekman")) == back  # big6 names resolve as aliases


def test_emotionml_same_category_twice_is_rejected():
    with pytest.raises(ValueError, match=r"annotation 1, labels: 'joy' and 'happy' are both "
                                         r"the label 'joy' of scheme 'ekman6' \(EmotionML "
                                         r"category 'happiness'\)"):
        to_emotionml(["anger", {"labels": ["joy", "happy"]}], "ekman")
    with pytest.raises(ValueError, match=r"annotation 0, labels: 'happiness' and 'joy' are both"):
        to_emotionml([{"labels": {"happiness": 0.5, "joy": 0.2}}], "ekman")
    with pytest.raises(ValueError, match=r"^labels: 'anger' is given twice"):
        validate_annotation({"labels": ["anger", "anger"]}, "ekman")


@pytest.mark.parametrize(("bad_id", "why"), [
    ("1abc", "must start with a letter or '_', not '1'"),
    ("-x", "must start with a letter or '_', not '-'"),
    ("a b", "must not contain spaces"),
    ("t:1", "must not contain ':'"),
    ("a/b", "must not contain '/'"),
    ("", "it is empty"),
])
def test_emotionml_ids_must_be_ncnames(bad_id, why):
    with pytest.raises(ValueError, match=re.escape("not a valid XML ID (an NCName")) as info:
        to_emotionml([{"labels": "joy", "id": bad_id}], "ekman")
    assert str(info.value).startswith(f"annotation 0, id: {bad_id!r}") and why in str(info.value)


def test_emotionml_ids_are_unique_and_kept_as_given():
    with pytest.raises(ValueError, match=r"annotation 0, id: must be a str .* e\.g\. 'a17'"):
        to_emotionml([{"labels": "joy", "id": 17}], "ekman")
    with pytest.raises(ValueError, match=r"annotation 2, id: 'x' is already the id of annotation 0"):
        to_emotionml([{"labels": "joy", "id": "x"}, "anger", {"labels": "fear", "id": "x"}], "ekman")
    with pytest.raises(ValueError, match=r"annotation 0, id: 'goemotions' is the id of the "
                                         r"document's <vocabulary>"):
        to_emotionml([{"labels": "joy", "id": "goemotions"}], "goemotions")
    xml = to_emotionml([{"labels": "joy", "id": "ekman6"}, {"labels": "fear", "id": "_t-1.b"}],
                       "ekman")  # big6 is not declared in-document, so "ekman6" is free
    assert [a["id"] for a in from_emotionml(xml)] == ["ekman6", "_t-1.b"]


def test_emotionml_expressed_through_is_nmtokens():
    msg = r"'face/voice' is not a space-separated list of modalities .* write 'face voice'"
    with pytest.raises(ValueError, match=r"^annotation 0, expressed_through: " + msg):
        to_emotionml([{"labels": "joy", "expressed_through": "face/voice"}], "ekman")
    with pytest.raises(ValueError, match=r"^expressed_through: " + msg):
        to_emotionml(["joy"], "ekman", expressed_through="face/voice")
    with pytest.raises(ValueError, match="expressed_through: is empty"):
        validate_annotation({"labels": "joy", "expressed_through": " "}, "ekman")
    xml = to_emotionml([{"labels": "joy", "expressed_through": ["face", "voice"]},
                        {"labels": "joy", "expressed_through": " face \n gaze "}], "ekman")
    assert [e.get("expressed-through") for e in ET.fromstring(xml).findall("e:emotion", NS)] == [
        "face voice", "face gaze"]


@pytest.mark.parametrize(("annotation", "message"), [
    (5, "annotation 3: expected a label (str) or a mapping with any of labels, vad"),
    (None, "annotation 3: expected a label (str) or a mapping"),
    ({"labels": 3}, "annotation 3, labels: expected a label (str), a list of labels or"),
    ({"labels": {"joy"}}, "annotation 3, labels: expected a label (str)"),
    ({"labels": [1]}, "annotation 3, labels: each label must be a str, got int 1"),
    ({"labels": {"joy": 1.5}}, "annotation 3, labels: value of 'joy' must be in [0, 1]"),
    ({"labels": {"joy": True}}, "annotation 3, labels: value of 'joy' must be a number in [0, 1]"),
    ({"labels": {"joy": "0.5"}}, "annotation 3, labels: value of 'joy' must be a number"),
    ({"labels": {"joy": math.nan}}, "annotation 3, labels: value of 'joy' must be in [0, 1]"),
    ({"vad": (0.5, 0.2)},
     "annotation 3, vad: expected exactly three numbers (valence, arousal, dominance), got 2"),
    ({"vad": (0.1, 0.2, 0.3, 0.4)}, "annotation 3, vad: expected exactly three numbers"),
    ({"vad": "0.1 0.2 0.3"}, "annotation 3, vad: expected three numbers"),
    ({"vad": {"valence": 0.1}}, "annotation 3, vad: expected three numbers"),
    ({"vad": 0.5}, "annotation 3, vad: expected three numbers"),
    ({"vad": {0.1, 0.2, 0.3}}, "annotation 3, vad: expected three numbers"),
    ({"vad": (True, 0, 0)}, "annotation 3, vad: valence must be a number, got bool True"),
    ({"vad": (0, "0.2", 0)}, "annotation 3, vad: arousal must be a number, got str '0.2'"),
    ({"vad": (0, 0, np.bool_(True))}, "annotation 3, vad: dominance must be a number"),
    ({"vad": (1.5, 0, 0)}, "annotation 3, vad: valence must be in [-1, 1]"),
    ({"vad": (0, -1.01, 0)}, "annotation 3, vad: arousal must be in [-1, 1]"),
    ({"vad": (0, math.nan, 0)}, "annotation 3, vad: arousal must be a finite number"),
    ({"vad": (0, 0, math.inf)}, "annotation 3, vad: dominance must be a finite number"),
    ({"labels": "joy", "text": 3}, "annotation 3, text: must be a str, got int 3"),
    ({"labels": "joy", "text": "a\x00b"}, "annotation 3, text: holds '\\x00' at position 1"),
    ({"labels": "joy", "expressed_through": 3}, "annotation 3, expressed_through: must be a str"),
    ({"id": "x"}, "annotation 3: neither labels nor vad given"),
    ({"label": "joy"}, "annotation 3: neither labels nor vad given (unrecognised keys: label)"),
    ({"labels": []}, "annotation 3: neither labels nor vad given"),
])
def test_validate_annotation_messages(annotation, message):
    with pytest.raises(ValueError) as info:
        validate_annotation(annotation, "ekman", 3)
    assert str(info.value).startswith(message)
    with pytest.raises(ValueError) as bare:  # without an index: the message starts with the field
        validate_annotation(annotation, "ekman")
    assert "annotation 3" not in str(bare.value)
    assert str(bare.value) == message.replace("annotation 3, ", "").replace(
        "annotation 3: ", "") + str(info.value)[len(message):]


def test_validate_annotation_speaks_valence_not_pleasure():
    with pytest.raises(ValueError) as info:
        validate_annotation({"vad": (2.0, 0.0, 0.0)}, "ekman")
    assert str(info.value).startswith("vad: valence must be in [-1, 1]")
    assert "pleasure" not in str(info.value) and "1.5" not in str(info.value)


def test_validate_annotation_unknown_label_says_where():
    with pytest.raises(ontology.UnknownNameError) as info:
        to_emotionml(["joy", "happy-ish"], "ekman")
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("annotation 1, labels: unknown label 'happy-ish'")
    with pytest.raises(ontology.UnknownNameError, match=r"^labels: unknown label 'happy-ish'"):
        validate_annotation("happy-ish", "ekman")


def test_validate_annotation_normalises():
    got = validate_annotation({"labels": ["happy", "Sad"], "vad": np.array([0.5, 0.0, -1.0]),
                               "id": "a1", "expressed_through": ["face", "voice"], "extra": 1},
                              "ekman")
    assert got == {"labels": {"joy": None, "sadness": None}, "vad": (0.5, 0.0, -1.0),
                   "id": "a1", "text": None, "expressed_through": "face voice"}
    assert all(type(x) is float for x in got["vad"])
    got = validate_annotation({"labels": {"anger": np.float32(0.25)},
                               "vad": (np.float64(0.1), np.int64(1), -1)}, "ekman", 0)
    assert got["labels"] == {"anger": 0.25} and got["vad"] == pytest.approx((0.1, 1.0, -1.0))
    assert validate_annotation("fear", "ekman")["labels"] == {"fear": None}


def test_to_emotionml_checks_the_argument_shape():
    with pytest.raises(ValueError, match="wrap a single one in a list"):
        to_emotionml({"labels": "joy"}, "ekman")
    with pytest.raises(ValueError, match="wrap a single one in a list"):
        to_emotionml("joy", "ekman")


def test_emotionml_rejects_bad_annotations():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_emotionml([{"labels": {"joy": 1.5}}], "ekman")
    with pytest.raises(ValueError, match="neither labels nor vad"):
        to_emotionml([{"id": "x"}], "ekman")
    with pytest.raises(ontology.UnknownNameError):
        to_emotionml(["happy-ish"], "ekman")


# --- EmotionML: reading ----------------------------------------------------------------------

def _doc(body: str, attrs: str = "") -> str:
    return f'<emotionml xmlns="{EMOTIONML_NS}" version="1.0" {attrs}>{body}</emotionml>'


@pytest.mark.parametrize(("xml", "where"), [
    ('<emotionml version="1.0"><emotion><category name="joy"/></emotion></emotionml>',
     "<emotionml> in no namespace"),
    ('<emotionml xmlns="urn:other" version="1.0"/>', "<emotionml> in namespace 'urn:other'"),
    (f'<html xmlns="{EMOTIONML_NS}"/>', "<html> in namespace"),
])
def test_from_emotionml_rejects_non_emotionml_roots(xml, where):
    with pytest.raises(ValueError, match="not an EmotionML document") as info:
        from_emotionml(xml)
    assert where in str(info.value) and EMOTIONML_NS in str(info.value)


def test_from_emotionml_rejects_malformed_xml_and_values():
    with pytest.raises(ValueError, match="not well-formed XML"):
        from_emotionml("<emotionml")
    with pytest.raises(ValueError, match=r"emotion 0: category 'joy' has value 'lots'"):
        from_emotionml(_doc('<emotion><category name="joy" value="lots"/></emotion>'))


def test_from_emotionml_reads_sets_from_emotion_then_root():
    fsre = "http://www.w3.org/TR/emotion-voc/xml#fsre-dimensions"
    xml = _doc(f'<emotion category-set="{BIG6_SET}" dimension-set="{PAD_SET}">'
               '<category name="fear"/><dimension name="pleasure" value="0.25"/>'
               '<dimension name="arousal" value="1"/><dimension name="dominance" value="0"/>'
               '</emotion><emotion><dimension name="valence" value="0.5"/>'
               '<dimension name="potency" value="0.2"/><dimension name="arousal" value="0.9"/>'
               '</emotion>', f'dimension-set="{fsre}"')
    pad, other = from_emotionml(xml)
    assert pad["category_set"] == BIG6_SET and pad["dimension_set"] == PAD_SET
    assert pad["vad"] == pytest.approx((-0.5, 1.0, -1.0))
    assert other["dimension_set"] == fsre and other["category_set"] is None
    assert other["vad"] is None  # three dimensions, but not PAD: no KeyError, no conversion
    assert other["dimensions"] == {"valence": 0.5, "potency": 0.2, "arousal": 0.9}


def test_from_emotionml_pad_needs_all_three_dimensions():
    xml = _doc('<emotion><dimension name="pleasure" value="0.5"/>'
               '<dimension name="arousal" value="0.5"/></emotion>', f'dimension-set="{PAD_SET}"')
    [ann] = from_emotionml(xml)
    assert ann["vad"] is None and ann["dimensions"] == {"pleasure": 0.5, "arousal": 0.5}


def test_from_emotionml_accepts_a_standalone_emotion():
    xml = (f'<emotion xmlns="{EMOTIONML_NS}" category-set="{BIG6_SET}" id="e1">'
           '<category name="anger" value="0.7"/></emotion>')
    assert from_emotionml(xml)[0]["labels"] == {"anger": 0.7}


# --- OWL 2 / Turtle --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def turtle() -> str:
    return to_turtle()


@pytest.fixture(scope="module")
def graph(turtle) -> Graph:
    return Graph().parse(data=turtle, format="turtle")


PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
BUILT_IN_PROPERTIES = {RDF.type, RDFS.label, RDFS.comment, RDFS.subClassOf, RDFS.domain,
                       RDFS.range}
BUILT_IN_TYPES = {OWL.Class, OWL.NamedIndividual, OWL.Ontology, OWL.SymmetricProperty,
                  *PROPERTY_TYPES}


def test_turtle_parses_with_the_tree_and_relations(graph):
    g = graph
    o = ontology.load()
    for cls, tier in ((AL.PrimaryEmotion, 1), (AL.SecondaryEmotion, 2), (AL.TertiaryEmotion, 3)):
        assert len(set(g.subjects(RDF.type, cls))) == len(o.tier(tier))
    broader = list(g.subject_objects(SKOS.broader))
    assert len(broader) == len(o) - 6
    assert (AL.amusement, SKOS.broader, AL.cheerfulness) in g
    assert (AL.joy, AL.isOppositeOf, AL.sadness) in g
    assert (AL.contempt, AL.isComposedOf, AL.disgust) in g
    assert (AL.frustration, AL.leadsTo, AL.rage) in g
    valence = float(g.value(AL.joy, AL.hasValence))
    assert valence == pytest.approx(o.to_vad("joy").valence, abs=1e-4)
    arousal = float(g.value(AL.joy, AL.hasArousal))
    assert arousal == pytest.approx(o.to_vad("joy").arousal, abs=1e-4)
    assert g.value(AL.joy, AL.hasWord) is not None
    assert (ALS["goemotions.admiration"], SKOS.closeMatch, AL.adoration) in g


def test_turtle_no_iri_is_both_an_individual_and_a_property_or_class(graph):
    g = graph
    individuals = set(g.subjects(RDF.type, OWL.NamedIndividual))
    properties = {s for t in PROPERTY_TYPES for s in g.subjects(RDF.type, t)}
    classes = set(g.subjects(RDF.type, OWL.Class))
    assert AL.arousal in individuals and AL.hasArousal in properties
    assert not individuals & properties
    assert not individuals & classes and not properties & classes
    for p in properties:  # one kind each: an object property is never also a datatype property
        assert sum((p, RDF.type, t) in g for t in PROPERTY_TYPES) == 1, p
    assert (AL.hasValence, RDF.type, OWL.DatatypeProperty) in g
    assert (AL.hasWord, RDF.type, OWL.DatatypeProperty) in g
    for old in ("valence", "dominance", "word"):
        assert (AL[old], RDF.type, OWL.DatatypeProperty) not in g


def test_turtle_declares_every_property_class_and_individual(graph):
    g = graph
    declared = {s for t in PROPERTY_TYPES for s in g.subjects(RDF.type, t)}
    for p in set(g.predicates()) - BUILT_IN_PROPERTIES:
        assert p in declared, f"{p} is used but not declared"
    classes = set(g.subjects(RDF.type, OWL.Class))
    for t in set(g.objects(None, RDF.type)) - BUILT_IN_TYPES:
        assert t in classes, f"{t} is used as a class but not declared"
    for c in (SKOS.Concept, SKOS.ConceptScheme):
        assert c in classes
    for p in (SKOS.broader, SKOS.inScheme, SKOS.exactMatch, SKOS.closeMatch):
        assert (p, RDF.type, OWL.ObjectProperty) in g
    for p in (SKOS.prefLabel, SKOS.definition, SKOS.scopeNote):
        assert (p, RDF.type, OWL.AnnotationProperty) in g
    individuals = set(g.subjects(RDF.type, OWL.NamedIndividual))
    object_props = set(g.subjects(RDF.type, OWL.ObjectProperty))
    for s, p, o in g:
        if p in object_props:
            assert s in individuals and o in individuals, (s, p, o)


PN_LOCAL = re.compile(r"[A-Za-z_0-9:](?:[A-Za-z_0-9:.\-]*[A-Za-z_0-9:\-])?")


def test_turtle_schemes_have_their_own_namespace(graph, turtle):
    g = graph
    scheme = URIRef("urn:affectlab:scheme#goemotions")
    label = URIRef("urn:affectlab:scheme#goemotions.admiration")
    assert (scheme, RDF.type, AL.Scheme) in g and (label, SKOS.inScheme, scheme) in g
    assert (URIRef(f"{SCHEME_IRI}ekman6.joy"), SKOS.closeMatch, AL.love) in g
    assert "alscheme:goemotions.admiration" in turtle
    assert f"@prefix alscheme: <{SCHEME_IRI}>" in turtle
    for sch in ontology.schemes():  # a label standing on its nearest node is no exact match
        for lab in ontology.get_scheme(sch).labels.values():
            if getattr(lab, "approximate", False):
                assert (URIRef(f"{SCHEME_IRI}{sch}.{lab.name}"), SKOS.exactMatch, None) not in g
    iris = {x for triple in g for x in triple if isinstance(x, URIRef)}
    assert not any(str(x).startswith(f"{ONTOLOGY_IRI}scheme") for x in iris)
    in_schemes = [str(x)[len(SCHEME_IRI):] for x in iris if str(x).startswith(SCHEME_IRI)]
    assert len(in_schemes) > 100
    for local in in_schemes:
        assert PN_LOCAL.fullmatch(local), local
        assert f"alscheme:{local}" in turtle
