"""Export: annotations to W3C EmotionML 1.0, the ontology to OWL 2 in Turtle.

EmotionML (https://www.w3.org/TR/emotionml/): each annotation becomes an <emotion> with an
optional <info> first, then <category> elements from the annotation's scheme (declared as an
in-document <vocabulary>, or W3C's own "big6" for Ekman's six) and <dimension> elements on W3C's
PAD dimension set. Values are on EmotionML's [0, 1] scale; affectlab's [-1, 1] V/A/D maps by
(x + 1) / 2. Annotations are checked up front by `validate_annotation`, so a bad one fails with a
message naming the field, never with an invalid document.

OWL 2 DL / SKOS: emotions are individuals in `urn:affectlab:ontology#` (prefix `al`), properties
are named `has...` / `is...` / `leadsTo` so no emotion name can collide with them, and scheme
labels live in their own namespace `urn:affectlab:scheme#` (prefix `alscheme`) as
`alscheme:<scheme>` and `alscheme:<scheme>.<label>`.
"""

from __future__ import annotations

import math
import numbers
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from affectlab.core.errors import AffectlabError
from affectlab.errors import UnknownNameError
from affectlab.ontology.model import NEUTRAL, TIERS, Ontology
from affectlab.ontology.schemes import Scheme, get_scheme, registry

if TYPE_CHECKING:
    from rdflib import Graph

EMOTIONML_NS = "http://www.w3.org/2009/10/emotionml"
W3C_VOC = "http://www.w3.org/TR/emotion-voc/xml"
PAD_SET = f"{W3C_VOC}#pad-dimensions"
BIG6_SET = f"{W3C_VOC}#big6"
BIG6_NAMES = {"joy": "happiness"}  # affectlab's Ekman label -> W3C big6 item
PAD_NAMES = ("pleasure", "arousal", "dominance")  # W3C PAD dimensions, in affectlab's V/A/D order
VAD_NAMES = ("valence", "arousal", "dominance")
ONTOLOGY_IRI = "urn:affectlab:ontology#"
SCHEME_IRI = "urn:affectlab:scheme#"
ANNOTATION_KEYS = ("labels", "vad", "id", "text", "expressed_through")

# XML 1.0 (5th edition) name characters; an NCName is a Name without ':'.
_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
               "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
               "\U00010000-\U000effff")
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")
_NMTOKEN = re.compile(f"[{_NAME_CHAR}:]+")
_NOT_NMTOKEN_CHARS = re.compile(f"[^{_NAME_CHAR}:]+")
_XML_SPACE = re.compile("[ \t\r\n]+")
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class EmotionMLError(AffectlabError, ValueError):
    """An annotation that cannot go into EmotionML, or a document that is not EmotionML."""


def _category_set(scheme: Scheme) -> tuple[str, dict[str, str], bool]:
    """(category-set URI, label -> item name, whether the vocabulary is declared in-document)."""
    if scheme.name == "ekman6":
        return BIG6_SET, {k: BIG6_NAMES.get(k, k) for k in scheme.labels}, False
    return f"#{scheme.name}", {k: k for k in scheme.labels}, True


def _unit(x: float) -> str:
    """A value already checked to lie in [0, 1], as an xs:float literal."""
    return f"{x:.4g}"


def _kind(x: Any) -> str:
    """'int 5', "str 'x'": a value with its type, for error messages."""
    return f"{type(x).__name__} {x!r}"


class _Where:
    """Prefixes messages with where the problem is: 'annotation 3, vad: ...' or 'vad: ...'."""

    def __init__(self, index: int | None) -> None:
        self.index = index

    def __call__(self, field: str | None, problem: str) -> str:
        parts = ([f"annotation {self.index}"] if self.index is not None else []) + (
            [field] if field else [])
        return f"{', '.join(parts)}: {problem}" if parts else problem


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _ncname_problem(value: str) -> str | None:
    """Why `value` is not an NCName (the lexical space of xs:ID), or None when it is one."""
    if _NCNAME.fullmatch(value):
        return None
    if not value:
        return "it is empty"
    if _XML_SPACE.search(value):
        return "it must not contain spaces"
    if ":" in value:
        return "it must not contain ':'"
    if not re.match(f"[{_NAME_START}]", value):
        return f"it must start with a letter or '_', not {value[0]!r}"
    bad = next(c for c in value if not re.match(f"[{_NAME_CHAR}]", c))
    return f"it must not contain {bad!r}"


def _check_id(raw: Any, where: _Where) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise EmotionMLError(where("id", f"must be a str that is an XML name (an NCName), got "
                                     f"{_kind(raw)}; an XML ID cannot start with a digit, so use "
                                     f"e.g. 'a{raw}'"))
    if not isinstance(raw, str):
        raise EmotionMLError(where("id", f"must be a str, got {_kind(raw)}"))
    problem = _ncname_problem(raw)
    if problem:
        raise EmotionMLError(where("id", f"{raw!r} is not a valid XML ID (an NCName: a letter or "
                                     f"'_', then letters, digits, '-', '_' or '.'): {problem}"))
    return raw


def _check_nmtokens(raw: Any, where: _Where, field: str = "expressed_through") -> str:
    """A space-separated list of NMTOKENs (from a str or a list of str), whitespace collapsed."""
    if isinstance(raw, (list, tuple)):
        if not all(isinstance(t, str) for t in raw):
            bad = next(t for t in raw if not isinstance(t, str))
            raise EmotionMLError(where(field, f"each modality must be a str, got {_kind(bad)}"))
        raw = " ".join(raw)
    if not isinstance(raw, str):
        raise EmotionMLError(where(field, f"must be a str of space-separated modalities such as "
                                      f"'face voice', got {_kind(raw)}"))
    tokens = [t for t in _XML_SPACE.split(raw) if t]
    if not tokens:
        raise EmotionMLError(where(field, "is empty; name at least one modality (e.g. 'text') or "
                                      "leave it out"))
    for tok in tokens:
        if not _NMTOKEN.fullmatch(tok):
            bad = _NOT_NMTOKEN_CHARS.search(tok).group()  # type: ignore[union-attr]
            hint = _NOT_NMTOKEN_CHARS.sub(" ", raw).strip()
            fix = f"; write {' '.join(hint.split())!r}" if hint else ""
            raise EmotionMLError(where(field, f"{raw!r} is not a space-separated list of modalities "
                                          f"(EmotionML NMTOKENS): {bad!r} is not allowed{fix}"))
    return " ".join(tokens)


def _check_vad(raw: Any, where: _Where) -> tuple[float, float, float]:
    if isinstance(raw, (str, bytes, Mapping, set, frozenset)) or not hasattr(raw, "__len__"):
        raise EmotionMLError(where("vad", f"expected three numbers (valence, arousal, dominance) "
                                      f"on [-1, 1], got {_kind(raw)}"))
    values = list(raw)
    if len(values) != 3:
        raise EmotionMLError(where("vad", f"expected exactly three numbers (valence, arousal, "
                                      f"dominance), got {len(values)}"))
    out = []
    for name, x in zip(VAD_NAMES, values, strict=True):
        if not _is_real(x):
            raise EmotionMLError(where("vad", f"{name} must be a number, got {_kind(x)}"))
        f = float(x)
        if not math.isfinite(f):
            raise EmotionMLError(where("vad", f"{name} must be a finite number, got {x!r}"))
        if not -1.0 <= f <= 1.0:
            raise EmotionMLError(where("vad", f"{name} must be in [-1, 1] (affectlab's V/A/D scale; "
                                          f"convert 1-9 ratings with VAD.from_warriner), got {x!r}"))
        out.append(f)
    return out[0], out[1], out[2]


def _resolve_label(label: str, sch: Scheme, where: _Where) -> str:
    """The canonical label name; an unknown one raises UnknownNameError prefixed with `where`."""
    try:
        return sch.label(label).name
    except UnknownNameError as exc:
        exc.message = where("labels", exc.message)
        exc.args = (exc.message,)
        raise


def _check_labels(raw: Any, sch: Scheme, where: _Where) -> dict[str, float | None]:
    shape = "a label (str), a list of labels or {label: value in [0, 1]}"
    if raw is None:
        return {}
    if isinstance(raw, str):
        pairs: list[tuple[Any, Any]] = [(raw, None)]
    elif isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, (list, tuple)):
        pairs = [(lab, None) for lab in raw]
    else:
        raise EmotionMLError(where("labels", f"expected {shape}, got {_kind(raw)}"))
    _, item_names, _ = _category_set(sch)
    out: dict[str, float | None] = {}
    given: dict[str, str] = {}  # canonical name -> the spelling first given
    for label, value in pairs:
        if not isinstance(label, str):
            raise EmotionMLError(where("labels", f"each label must be a str, got {_kind(label)}"))
        name = _resolve_label(label, sch, where)
        if name in out:
            first = given[name]
            same = (f"{label!r} is given twice" if first == label else
                    f"{first!r} and {label!r} are both the label {name!r} of scheme "
                    f"{sch.name!r}")
            raise EmotionMLError(where("labels", f"{same} (EmotionML category {item_names[name]!r}); "
                                             "an <emotion> may name each category only once"))
        if value is not None:
            if not _is_real(value):
                raise EmotionMLError(where("labels", f"value of {label!r} must be a number in [0, 1], "
                                                 f"got {_kind(value)}"))
            value = float(value)
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise EmotionMLError(where("labels", f"value of {label!r} must be in [0, 1] for "
                                                 f"EmotionML, got {value!r}"))
        out[name] = value
        given[name] = label
    return out


def validate_annotation(annotation: Any, scheme: str | Scheme,
                        index: int | None = None) -> dict[str, Any]:
    """Check one annotation and return it normalised, or raise EmotionMLError (a ValueError).

    An annotation is a label (str) or a mapping with any of `labels` (a label, a list of labels
    or {label: value in [0, 1] or None}), `vad` ((valence, arousal, dominance) on [-1, 1]), `id`
    (an XML ID), `text` and `expressed_through` (modalities, e.g. "face voice"); other keys are
    ignored. The result always has those five keys: labels as {canonical label: float | None},
    vad as a tuple of floats or None, expressed_through as one space-separated str or None.

    Messages start with where the problem is, e.g. "annotation 3, vad: valence must be in
    [-1, 1] ..." (without "annotation N" when `index` is None). Unknown labels raise
    affectlab.errors.UnknownNameError, a ValueError.
    """
    sch = get_scheme(scheme)
    where = _Where(index)
    if isinstance(annotation, str):
        annotation = {"labels": annotation}
    if not isinstance(annotation, Mapping):
        raise EmotionMLError(where(None, "expected a label (str) or a mapping with any of "
                                     f"{', '.join(ANNOTATION_KEYS)}; got {_kind(annotation)}"))
    labels = _check_labels(annotation.get("labels"), sch, where)
    vad = annotation.get("vad")
    vad = None if vad is None else _check_vad(vad, where)
    if not labels and vad is None:
        others = [str(k) for k in annotation if k not in ANNOTATION_KEYS]
        hint = f" (unrecognised keys: {', '.join(others)})" if others else ""
        raise EmotionMLError(where(None, f"neither labels nor vad given{hint}"))
    ann_id = annotation.get("id")
    if ann_id is not None:
        ann_id = _check_id(ann_id, where)
        if _category_set(sch)[2] and ann_id == sch.name:
            raise EmotionMLError(where("id", f"{ann_id!r} is the id of the document's <vocabulary> "
                                         f"for scheme {sch.name!r}; XML IDs must be unique, so "
                                         "choose another id"))
    text = annotation.get("text")
    if text is not None:
        if not isinstance(text, str):
            raise EmotionMLError(where("text", f"must be a str, got {_kind(text)}"))
        bad = _NOT_XML_CHAR.search(text)
        if bad:
            raise EmotionMLError(where("text", f"holds {bad.group()!r} at position {bad.start()}, "
                                           "a character XML 1.0 cannot carry"))
    through = annotation.get("expressed_through")
    if through is not None:
        through = _check_nmtokens(through, where)
    return {"labels": labels, "vad": vad, "id": ann_id, "text": text,
            "expressed_through": through}


def to_emotionml(annotations: Iterable[Mapping[str, Any] | str], scheme: str | Scheme,
                 *, expressed_through: str | None = None) -> str:
    """EmotionML 1.0 document for annotations of one scheme.

    Each annotation is a label, or a mapping with any of: `labels` (a label, a list of labels or
    {label: value in [0, 1]}), `vad` ((valence, arousal, dominance) on [-1, 1]), `id` (an XML
    ID, unique in the document), `text` (kept in <info>), `expressed_through` (overrides the
    document-wide `expressed_through`, e.g. "face voice"). All annotations are checked with
    `validate_annotation` before anything is written.
    """
    if isinstance(annotations, (str, Mapping)):
        raise EmotionMLError("annotations must be a list of annotations; wrap a single one in a list")
    sch = get_scheme(scheme)
    cat_set, item_names, declare = _category_set(sch)
    default_through = (None if expressed_through is None
                       else _check_nmtokens(expressed_through, _Where(None)))
    items = [validate_annotation(ann, sch, i) for i, ann in enumerate(annotations)]
    first_use: dict[str, int] = {}
    for i, ann in enumerate(items):
        if ann["id"] is not None:
            if ann["id"] in first_use:
                raise EmotionMLError(_Where(i)("id", f"{ann['id']!r} is already the id of annotation "
                                                 f"{first_use[ann['id']]}; ids must be unique in "
                                                 "the document"))
            first_use[ann["id"]] = i

    ET.register_namespace("", EMOTIONML_NS)
    root = ET.Element(f"{{{EMOTIONML_NS}}}emotionml",
                      {"version": "1.0", "category-set": cat_set, "dimension-set": PAD_SET})
    if declare:
        voc = ET.SubElement(root, f"{{{EMOTIONML_NS}}}vocabulary",
                            {"type": "category", "id": sch.name})
        for name in sch.labels:
            ET.SubElement(voc, f"{{{EMOTIONML_NS}}}item", {"name": name})
    for ann in items:
        attrs = {}
        if ann["id"] is not None:
            attrs["id"] = ann["id"]
        through = ann["expressed_through"] or default_through
        if through:
            attrs["expressed-through"] = through
        emotion = ET.SubElement(root, f"{{{EMOTIONML_NS}}}emotion", attrs)
        if ann["text"] is not None:  # the schema puts <info> before everything else
            ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}info").text = ann["text"]
        for label, value in ann["labels"].items():
            cat = {"name": item_names[label]}
            if value is not None:
                cat["value"] = _unit(value)
            ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}category", cat)
        if ann["vad"] is not None:
            for dim, x in zip(PAD_NAMES, ann["vad"], strict=True):
                ET.SubElement(emotion, f"{{{EMOTIONML_NS}}}dimension",
                              {"name": dim, "value": _unit((x + 1) / 2)})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _read_values(elements: list[ET.Element], what: str, i: int) -> dict[str, float | None]:
    """{name: value or None} of <category> or <dimension> elements, checking names are unique."""
    out: dict[str, float | None] = {}
    for el in elements:
        name, raw = el.get("name"), el.get("value")
        if name is None:
            raise EmotionMLError(f"emotion {i}: a <{what}> has no name")
        if name in out:
            raise EmotionMLError(f"emotion {i}: {what} {name!r} is given twice")
        try:
            out[name] = float(raw) if raw not in (None, "") else None
        except ValueError:
            raise EmotionMLError(f"emotion {i}: {what} {name!r} has value {raw!r}, not a number") from None
    return out


def from_emotionml(xml: str) -> list[dict[str, Any]]:
    """Read back <emotion> elements of an EmotionML document.

    Each becomes {id, labels: {name: value | None}, vad, dimensions: {name: value | None},
    text, expressed_through, category_set, dimension_set}. `category-set` and `dimension-set`
    come from the <emotion> when it has them, else from the root. `vad` is affectlab's (v, a, d)
    on [-1, 1] only when the dimension set is W3C PAD and all three are present, else None;
    `dimensions` always holds the raw [0, 1] values. The root must be <emotionml> (or a single
    <emotion>) in the EmotionML namespace.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise EmotionMLError(f"not well-formed XML: {exc}") from None
    ns_uri, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if local not in ("emotionml", "emotion") or ns_uri != EMOTIONML_NS:
        where = f"in namespace {ns_uri!r}" if ns_uri else "in no namespace"
        raise EmotionMLError(f"not an EmotionML document: the root element is <{local}> {where}; "
                         f'expected <emotionml xmlns="{EMOTIONML_NS}">')
    ns = {"e": EMOTIONML_NS}
    emotions = [root] if local == "emotion" else root.findall("e:emotion", ns)
    out = []
    for i, emo in enumerate(emotions):
        cat_set = emo.get("category-set") or root.get("category-set")
        dim_set = emo.get("dimension-set") or root.get("dimension-set")
        labels = _read_values(emo.findall("e:category", ns), "category", i)
        dims = _read_values(emo.findall("e:dimension", ns), "dimension", i)
        vad = None
        if dim_set == PAD_SET and all(dims.get(d) is not None for d in PAD_NAMES):
            vad = tuple(round(dims[d] * 2 - 1, 6) for d in PAD_NAMES)  # type: ignore[operator]
        info = emo.find("e:info", ns)
        out.append({"id": emo.get("id"), "labels": labels, "vad": vad, "dimensions": dims,
                    "text": "".join(info.itertext()) if info is not None else None,
                    "expressed_through": emo.get("expressed-through"),
                    "category_set": cat_set, "dimension_set": dim_set})
    return out


def scheme_iri(scheme: str, label: str | None = None) -> str:
    """IRI of a scheme (`urn:affectlab:scheme#goemotions`) or of one of its labels
    (`urn:affectlab:scheme#goemotions.admiration`); both serialise as `alscheme:` names."""
    return f"{SCHEME_IRI}{scheme}" if label is None else f"{SCHEME_IRI}{scheme}.{label}"


def to_graph(onto: Ontology) -> Graph:
    """The ontology as an OWL 2 DL / SKOS graph: one individual per emotion, typed by tier."""
    from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import OWL

    al = Namespace(ONTOLOGY_IRI)
    g = Graph()
    g.bind("al", al)
    g.bind("alscheme", Namespace(SCHEME_IRI))
    g.bind("owl", OWL)
    g.bind("skos", SKOS)
    onto_iri = URIRef("urn:affectlab:ontology")
    g.add((onto_iri, RDF.type, OWL.Ontology))
    g.add((onto_iri, RDFS.label, Literal("affectlab emotion ontology (Parrott's three tiers)")))
    # OWL 2 DL wants every entity declared, SKOS's included.
    for cls in (SKOS.Concept, SKOS.ConceptScheme):
        g.add((cls, RDF.type, OWL.Class))
    for prop in (SKOS.broader, SKOS.inScheme, SKOS.exactMatch, SKOS.closeMatch):
        g.add((prop, RDF.type, OWL.ObjectProperty))
    for prop in (SKOS.prefLabel, SKOS.definition, SKOS.scopeNote):
        g.add((prop, RDF.type, OWL.AnnotationProperty))
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
    vad_props = (al.hasValence, al.hasArousal, al.hasDominance)
    for prop, name in zip(vad_props, VAD_NAMES, strict=True):
        g.add((prop, RDF.type, OWL.DatatypeProperty))
        g.add((prop, RDFS.range, XSD.decimal))
        g.add((prop, RDFS.comment, Literal(f"{name} on [-1, 1] (Warriner norms, rescaled)")))
    g.add((al.hasWord, RDF.type, OWL.DatatypeProperty))
    g.add((al.hasWord, RDFS.comment, Literal("a word that expresses the emotion")))
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
            g.add((s, al.hasWord, Literal(word, lang="en")))
        if node.vad:
            for prop, x in zip(vad_props, node.vad, strict=True):
                g.add((s, prop, Literal(round(x, 4), datatype=XSD.decimal)))
    prop_of = {"is_opposite_of": al.isOppositeOf, "is_composed_of": al.isComposedOf,
               "leads_to": al.leadsTo}
    for rel in onto.relations:
        g.add((iri(rel.source), prop_of[rel.type], iri(rel.target)))
    neutral = iri(NEUTRAL)
    g.add((neutral, RDF.type, OWL.NamedIndividual))
    g.add((neutral, RDF.type, SKOS.Concept))
    g.add((neutral, SKOS.prefLabel, Literal(NEUTRAL, lang="en")))
    g.add((neutral, SKOS.definition, Literal("the absence of a marked emotion", lang="en")))
    for sch in registry().values():
        if sch.kind != "categorical" or sch.name.startswith("parrott"):
            continue
        sn = URIRef(scheme_iri(sch.name))
        g.add((sn, RDF.type, OWL.NamedIndividual))
        g.add((sn, RDF.type, al.Scheme))
        g.add((sn, RDFS.label, Literal(sch.title, lang="en")))
        for lab in sch.labels.values():
            ln = URIRef(scheme_iri(sch.name, lab.name))
            g.add((ln, RDF.type, OWL.NamedIndividual))
            g.add((ln, RDF.type, SKOS.Concept))
            g.add((ln, SKOS.inScheme, sn))
            g.add((ln, SKOS.prefLabel, Literal(lab.name, lang="en")))
            exact = len(lab.nodes) == 1 and not lab.note and not getattr(lab, "approximate", False)
            match = SKOS.exactMatch if exact else SKOS.closeMatch
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
