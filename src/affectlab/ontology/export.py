"""Export: annotations to W3C EmotionML 1.0, the ontology to OWL 2 in Turtle.

EmotionML (https://www.w3.org/TR/emotionml/): each annotation becomes an <emotion> with
<category> elements from the annotation's scheme (declared as an in-document <vocabulary>, or
W3C's own "big6" for Ekman's six) and <dimension> elements on W3C's PAD dimension set. Values
are on EmotionML's [0, 1] scale; affectlab's [-1, 1] V/A/D maps by (x + 1) / 2.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from affectlab.ontology.model import NEUTRAL, TIERS, Ontology
from affectlab.ontology.schemes import Scheme, get_scheme, registry

EMOTIONML_NS = "http://www.w3.org/2009/10/emotionml"
W3C_VOC = "http://www.w3.org/TR/emotion-voc/xml"
PAD_SET = f"{W3C_VOC}#pad-dimensions"
BIG6_SET = f"{W3C_VOC}#big6"
BIG6_NAMES = {"joy": "happiness"}  # affectlab's Ekman label -> W3C big6 item
ONTOLOGY_IRI = "urn:affectlab:ontology#"


def _category_set(scheme: Scheme) -> tuple[str, dict[str, str], bool]:
    """(category-set URI, label -> item name, whether the vocabulary is declared in-document)."""
    if scheme.name == "ekman6":
        return BIG6_SET, {k: BIG6_NAMES.get(k, k) for k in scheme.labels}, False
    return f"#{scheme.name}", {k: k for k in scheme.labels}, True


def _unit(x: float, what: str) -> str:
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{what} must lie in [0, 1] for EmotionML, got {x!r}")
    return f"{x:.4g}"


def to_emotionml(annotations: Iterable[Mapping[str, Any] | str], scheme: str | Scheme,
                 *, expressed_through: str | None = None) -> str:
    """EmotionML 1.0 document for annotations of one scheme.

    Each annotation is a label, or a mapping with any of: `labels` (a label, a list of labels or
    {label: value in [0, 1]}), `vad` ((valence, arousal, dominance) on [-1, 1]), `id`, `text`
    (kept in <info>), `expressed_through`.
    """
    sch = get_scheme(scheme)
    cat_set, item_names, declare = _category_set(sch)
    ET.register_namespace("", EMOTIONML_NS)
    root = ET.Element(f"{{{EMOTIONML_NS}}}emotionml",
                      {"version": "1.0", "category-set": cat_set, "dimension-set": PAD_SET})
    if declare:
        voc = ET.SubElement(root, f"{{{EMOTIONML_NS}}}vocabulary",
                            {"type": "category", "id": sch.name})
        for name in sch.labels:
            ET.SubElement(voc, f"{{{EMOTIONML_NS}}}item", {"name": name})
    for i, ann in enumerate(annotations):
        if isinstance(ann, str):
            ann = {"labels": ann}
        attrs = {}
        if ann.get("id") is not None:
            attrs["id"] = str(ann["id"])
        through = ann.get("expressed_through", expressed_through)
        if through:
            attrs["expressed-through"] = str(through)
        emotion = ET.SubElement(root, f"{{{EMOTIONML_NS}}}emotion", attrs)
        labels = ann.get("labels")
        if isinstance(labels, str):
            labels = {labels: None}
        elif isinstance(labels, Sequence):
            labels = {lab: None for lab in labels}
        for label, value in (labels or {}).items():
            name = item_names[sch.label(label).name]
            cat = {"name": name}
            if value is not None:
                cat["value"] = _unit(float(value), f"annotation {i}, value of {label!r}")
            ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}category", cat)
        if ann.get("vad") is not None:
            v, a, d = (float(x) for x in ann["vad"])
            for dim, x in (("pleasure", v), ("arousal", a), ("dominance", d)):
                ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}dimension",
                              {"name": dim, "value": _unit((x + 1) / 2, f"annotation {i}, {dim}")})
        if not len(emotion):
            raise ValueError(f"annotation {i} has neither labels nor vad")
        if ann.get("text") is not None:
            info = ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}info")
            info.text = str(ann["text"])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def from_emotionml(xml: str) -> list[dict[str, Any]]:
    """Read back <emotion> elements as {labels: {name: value}, vad: (v, a, d) | None, id}."""
    root = ET.fromstring(xml)
    ns = {"e": EMOTIONML_NS}
    out = []
    for emo in root.findall("e:emotion", ns):
        labels = {c.get("name"): (float(c.get("value")) if c.get("value") else None)
                  for c in emo.findall("e:category", ns)}
        dims = {d.get("name"): float(d.get("value")) * 2 - 1 for d in emo.findall("e:dimension", ns)}
        vad = (dims["pleasure"], dims["arousal"], dims["dominance"]) if len(dims) == 3 else None
        info = emo.find("e:info", ns)
        out.append({"id": emo.get("id"), "labels": labels, "vad": vad,
                    "text": info.text if info is not None else None})
    return out


def to_graph(onto: Ontology):  # -> rdflib.Graph
    """The ontology as an OWL 2 / SKOS graph: one individual per emotion, typed by tier."""
    from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import OWL

    al = Namespace(ONTOLOGY_IRI)
    g = Graph()
    g.bind("al", al)
    g.bind("owl", OWL)
    g.bind("skos", SKOS)
    onto_iri = URIRef("urn:affectlab:ontology")
    g.add((onto_iri, RDF.type, OWL.Ontology))
    g.add((onto_iri, RDFS.label, Literal("affectlab emotion ontology (Parrott's three tiers)")))
    g.add((al.Emotion, RDF.type, OWL.Class))
    tier_class = {1: al.PrimaryEmotion, 2: al.SecondaryEmotion, 3: al.TertiaryEmotion}
    for t, cls in tier_class.items():
        g.add((cls, RDF.type, OWL.Class))
        g.add((cls, RDFS.subClassOf, al.Emotion))
        g.add((cls, RDFS.label, Literal(f"{TIERS[t]} emotion")))
    for prop, label in (("isOppositeOf", "is opposite of"), ("isComposedOf", "is composed of"),
                        ("leadsTo", "leads to")):
        g.add((al[prop], RDF.type, OWL.ObjectProperty))
        g.add((al[prop], RDFS.domain, al.Emotion))
        g.add((al[prop], RDFS.range, al.Emotion))
        g.add((al[prop], RDFS.label, Literal(label)))
    g.add((al.isOppositeOf, RDF.type, OWL.SymmetricProperty))
    for prop in ("valence", "arousal", "dominance"):
        g.add((al[prop], RDF.type, OWL.DatatypeProperty))
        g.add((al[prop], RDFS.range, XSD.decimal))
        g.add((al[prop], RDFS.comment, Literal(f"{prop} on [-1, 1] (Warriner norms, rescaled)")))
    g.add((al.word, RDF.type, OWL.DatatypeProperty))
    g.add((al.word, RDFS.comment, Literal("a word that expresses the emotion")))
    g.add((al.Scheme, RDF.type, OWL.Class))
    g.add((al.Scheme, RDFS.subClassOf, SKOS.ConceptScheme))

    def iri(name: str) -> URIRef:
        return al[name.replace(" ", "_")]

    for node in onto:
        s = iri(node.name)
        g.add((s, RDF.type, OWL.NamedIndividual))
        g.add((s, RDF.type, tier_class[node.tier]))
        g.add((s, RDF.type, SKOS.Concept))
        g.add((s, SKOS.prefLabel, Literal(node.name, lang="en")))
        g.add((s, SKOS.definition, Literal(node.definition, lang="en")))
        if node.parent:
            g.add((s, SKOS.broader, iri(node.parent)))
        for word in node.vocabulary:
            g.add((s, al.word, Literal(word, lang="en")))
        if node.vad:
            for prop, x in zip(("valence", "arousal", "dominance"), node.vad, strict=True):
                g.add((s, al[prop], Literal(round(x, 4), datatype=XSD.decimal)))
    prop_of = {"is_opposite_of": al.isOppositeOf, "is_composed_of": al.isComposedOf,
               "leads_to": al.leadsTo}
    for rel in onto.relations:
        g.add((iri(rel.source), prop_of[rel.type], iri(rel.target)))
    g.add((al[NEUTRAL], RDF.type, SKOS.Concept))
    g.add((al[NEUTRAL], SKOS.definition, Literal("the absence of a marked emotion", lang="en")))
    for sch in registry().values():
        if sch.kind != "categorical" or sch.name.startswith("parrott"):
            continue
        sn = al[f"scheme/{sch.name}"]
        g.add((sn, RDF.type, al.Scheme))
        g.add((sn, RDFS.label, Literal(sch.title, lang="en")))
        for lab in sch.labels.values():
            ln = al[f"scheme/{sch.name}/{lab.name}"]
            g.add((ln, RDF.type, SKOS.Concept))
            g.add((ln, SKOS.inScheme, sn))
            g.add((ln, SKOS.prefLabel, Literal(lab.name, lang="en")))
            match = SKOS.exactMatch if len(lab.nodes) == 1 and not lab.note else SKOS.closeMatch
            for n in lab.nodes:
                g.add((ln, match, iri(n)))
            if lab.note:
                g.add((ln, SKOS.scopeNote, Literal(lab.note, lang="en")))
    return g


def to_turtle(onto: Ontology | None = None) -> str:
    """The ontology serialised as Turtle (OWL 2 individuals + SKOS hierarchy and mappings)."""
    if onto is None:
        from affectlab.ontology import load

        onto = load()
    return to_graph(onto).serialize(format="turtle")
