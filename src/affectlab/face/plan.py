"""Think before drawing: an emotion -> its place in the ontology -> the action units that show
it, with intensities and the muscles that make them.

The basic emotions follow the EMFACS prototypes of Ekman & Friesen (FACS, 1978; the EMFACS-7
tables): happiness 6+12, sadness 1+4+15, surprise 1+2+5+26, fear 1+2+4+5+7+20+26, anger
4+5+7+23, disgust 9+15 (with 10, the alternative upper-lip raiser; AU16 is not estimated here),
contempt a one-sided 12 (AU14, the dimpler, is not estimated). Parrott's "love" has no EMFACS
prototype: affectlab gives it a soft Duchenne smile (6+12 at lower intensity) and says so.
A node's intensity follows its arousal in the ontology; a secondary or tertiary node takes its
primary's units at its own intensity, blended with the plans of the emotions it is composed of
(the ontology's `is_composed_of` relations); a text's plan blends the primaries' plans by the
text model's probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from affectlab.core.errors import UnknownNameError

# unit -> (name, muscles)
MUSCLES: dict[str, tuple[str, str]] = {
    "AU01": ("inner brow raiser", "frontalis, pars medialis"),
    "AU02": ("outer brow raiser", "frontalis, pars lateralis"),
    "AU04": ("brow lowerer", "corrugator supercilii, depressor supercilii, procerus"),
    "AU05": ("upper lid raiser", "levator palpebrae superioris"),
    "AU06": ("cheek raiser", "orbicularis oculi, pars orbitalis"),
    "AU07": ("lid tightener", "orbicularis oculi, pars palpebralis"),
    "AU09": ("nose wrinkler", "levator labii superioris alaeque nasi"),
    "AU10": ("upper lip raiser", "levator labii superioris"),
    "AU12": ("lip corner puller", "zygomaticus major"),
    "AU15": ("lip corner depressor", "depressor anguli oris"),
    "AU17": ("chin raiser", "mentalis"),
    "AU20": ("lip stretcher", "risorius, platysma"),
    "AU23": ("lip tightener", "orbicularis oris"),
    "AU25": ("lips part", "depressor labii inferioris; orbicularis oris relaxed"),
    "AU26": ("jaw drop", "masseter relaxed; temporalis and internal pterygoid relaxed"),
}
# primary (Parrott) -> {unit: relative weight}; EMFACS-7 (Ekman & Friesen), see the docstring
EMFACS: dict[str, dict[str, float]] = {
    "joy": {"AU06": 1.0, "AU12": 1.0},
    "sadness": {"AU01": 1.0, "AU04": 0.8, "AU15": 1.0},
    "surprise": {"AU01": 1.0, "AU02": 1.0, "AU05": 0.6, "AU26": 1.0},
    "fear": {"AU01": 1.0, "AU02": 0.8, "AU04": 0.8, "AU05": 1.0, "AU07": 0.6, "AU20": 1.0,
             "AU26": 0.8},
    "anger": {"AU04": 1.0, "AU05": 0.6, "AU07": 1.0, "AU23": 1.0},
    "disgust": {"AU09": 1.0, "AU10": 0.8, "AU15": 0.6},
    "contempt": {"AU12": 0.5},  # one-sided in EMFACS (R12A+R14A); drawn on both sides here
    "love": {"AU06": 0.6, "AU12": 0.7},  # not in EMFACS: a soft Duchenne smile (affectlab)
}
SOURCES = {
    "love": "no EMFACS prototype; affectlab's choice: a soft Duchenne smile",
    "contempt": "EMFACS: unilateral AU12+AU14 (AU14 not estimated; drawn as a weak AU12)",
}
MAX_INTENSITY = 5.0  # FACS A..E as 1..5
MIN_UNIT = 0.05


@dataclass
class Plan:
    """An emotion's expression plan: the ontology path, the units with 0-5 intensities and
    their muscles, and what it was blended from."""

    emotion: str
    path: list[str]
    intensity: float
    units: dict[str, float]
    muscles: dict[str, str]
    blend: dict[str, float] = field(default_factory=dict)
    source: str = ""
    motion: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def node_intensity(arousal: float) -> float:
    """A node's drawing intensity (0.3-1.0 of the prototype) from its arousal in [-1, 1]."""
    return float(min(1.0, max(0.3, 0.65 + 0.7 * arousal)))


def resolve(name: str) -> str:
    """An ontology node for a node name, any scheme's label, or a vocabulary word."""
    from affectlab import ontology

    onto = ontology.load()
    key = name.strip().lower()
    if key in onto:
        return onto.node(key).name
    for scheme in ontology.schemes():
        s = ontology.get_scheme(scheme)
        for label in s.labels.values() if hasattr(s, "labels") else []:
            if label.name.lower() == key and len(label.nodes) == 1:
                return label.nodes[0]
    word = onto.lookup(key)
    if word is not None:
        return word
    pool = [n.name for n in onto] + [ln for sc in ontology.schemes()
                                     for ln in ontology.get_scheme(sc).label_names]
    raise UnknownNameError("emotion", name, sorted(set(pool)))


def anchor(path: list[str]) -> str:
    """The nearest node up the path with a prototype (disgust and contempt sit under anger in
    Parrott's tree but have EMFACS prototypes of their own)."""
    return next((n for n in path if n in EMFACS), path[-1])


def _prototype(primary: str) -> dict[str, float]:
    return dict(EMFACS.get(primary, {}))


def plan(emotion: str | None = None, *, text: str | None = None,
         probs: Mapping[str, float] | None = None, intensity: float | None = None) -> Plan:
    """The plan for an emotion (node, scheme label or word), a text (through the text model),
    or a distribution over primaries. `intensity` (0-1) overrides the ontology's."""
    from affectlab import ontology

    if sum(x is not None for x in (emotion, text, probs)) != 1:
        raise ValueError("give exactly one of emotion, text or probs")
    if intensity is not None and not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity must lie in [0, 1], got {intensity}")
    onto = ontology.load()
    if text is not None:
        probs = _text_primaries(text)
    if probs is not None:
        return _blend_plan(probs, intensity, label=f"text: {text}" if text else "mixture")
    node = resolve(emotion)
    if node in onto:
        path = onto.path(node)
        arousal = onto.to_vad(node).arousal
    else:
        path, arousal = [node], 0.0
    primary = anchor(path)
    level = node_intensity(arousal) if intensity is None else intensity
    weights = {primary: 1.0}
    components = onto.components(node) if node in onto else []
    if components and node not in EMFACS:  # a composed emotion blends its parts with its own
        weights = {primary: 0.5}
        for c in components:
            p = anchor(onto.path(c))
            weights[p] = weights.get(p, 0.0) + 0.5 / len(components)
    units = _mix(weights, level)
    src = "; ".join(SOURCES[k] for k in weights if k in SOURCES) or \
        "EMFACS-7 prototypes (Ekman & Friesen)"
    return Plan(emotion=node, path=path, intensity=level, units=units,
                muscles={u: MUSCLES[u][1] for u in units}, blend=weights, source=src)


def _mix(weights: Mapping[str, float], level: float) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    units: dict[str, float] = {}
    for primary, w in weights.items():
        for u, a in _prototype(primary).items():
            units[u] = units.get(u, 0.0) + a * w / total
    top = max(units.values(), default=1.0)
    # the strongest unit of a pure prototype reaches level x 5; blends keep their proportions
    scaled = {u: round(MAX_INTENSITY * level * v / max(top, 1e-9) * min(1.0, top), 3)
              for u, v in sorted(units.items())}
    # traces below a twentieth of a FACS step (a blend's faint parts) are not drawn
    return {u: a for u, a in scaled.items() if a >= MIN_UNIT}


def _blend_plan(probs: Mapping[str, float], intensity: float | None, label: str) -> Plan:
    from affectlab import ontology

    onto = ontology.load()
    weights: dict[str, float] = {}
    for name, p in probs.items():
        if p <= 0:
            continue
        node = resolve(name)
        primary = anchor(onto.path(node)) if node in onto else node
        weights[primary] = weights.get(primary, 0.0) + float(p)
    if not weights:
        raise ValueError("the distribution puts no weight on any emotion with a face plan")
    total = sum(weights.values())
    weights = {k: v / total for k, v in sorted(weights.items(), key=lambda kv: -kv[1])}
    arousal = sum(w * (onto.to_vad(k).arousal if k in onto else 0.0) for k, w in weights.items())
    level = node_intensity(arousal) if intensity is None else intensity
    units = _mix(weights, level)
    top = next(iter(weights))
    return Plan(emotion=label, path=onto.path(top) if top in onto else [top], intensity=level,
                units=units, muscles={u: MUSCLES[u][1] for u in units}, blend=weights,
                source="blend of EMFACS-7 prototypes by the text model's probabilities")


def _text_primaries(text: str) -> dict[str, float]:
    """The text model's probabilities rolled up to Parrott's primaries (ekman7 through the
    ontology; neutral has no face plan and drops out)."""
    import affectlab

    rec = affectlab.analyze(text, scheme="ekman7")
    if rec["status"] != "ok":
        raise ValueError(f"the text cannot be analysed: {rec['error']}")
    names = {"anger": "anger", "disgust": "disgust", "fear": "fear", "joy": "joy",
             "sadness": "sadness", "surprise": "surprise"}
    return {names[k]: v for k, v in rec["probs"].items() if k in names}
