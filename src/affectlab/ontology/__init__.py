"""The emotion ontology at the centre of affectlab.

Parrott's three tiers (6 primary, 25 secondary, 105 tertiary emotions) with definitions, a
vocabulary per node built as TONE does, V/A/D coordinates from the Warriner norms, TONE's three
relation types, and every label scheme mapped onto the tree.

    >>> from affectlab import ontology
    >>> ontology.map_label("admiration", "goemotions", "ekman")
    ['joy']
    >>> ontology.path("amusement")
    ['amusement', 'cheerfulness', 'joy']
"""

from __future__ import annotations

from functools import lru_cache

from affectlab.errors import UnknownNameError
from affectlab.ontology.mapping import (
    LabelMapping,
    MappedProba,
    explain_mapping,
    label_vad,
    map_label,
    map_proba,
    mapping_matrix,
)
from affectlab.ontology.model import NEUTRAL, RELATION_TYPES, Node, Ontology, Relation
from affectlab.ontology.schemes import Scheme, SchemeLabel, get_scheme, schemes
from affectlab.ontology.vad import VAD, quadrant


@lru_cache(maxsize=1)
def load() -> Ontology:
    """The shipped ontology (built once per process from the package data)."""
    from affectlab.ontology.model import build_ontology

    return build_ontology()


def node(name: str) -> Node:
    """One emotion of the tree by name."""
    return load().node(name)


def path(name: str) -> list[str]:
    """From a node up to its primary: path('amusement') -> ['amusement', 'cheerfulness', 'joy']."""
    return load().path(name)


def to_vad(name: str, scheme: str | None = None) -> VAD:
    """V/A/D on [-1, 1] of a node, or of a label of `scheme` when one is given."""
    if scheme is None:
        return load().to_vad(name)
    vad = label_vad(name, scheme)
    if vad is None:
        raise LookupError(f"{scheme}:{name} has no equivalent in the ontology and no V/A/D")
    return vad


def nearest(valence: float, arousal: float, dominance: float | None = None, *,
            tier: int | str | None = None) -> str:
    """The node closest to a V/A(/D) point on [-1, 1]; `tier` restricts the candidates."""
    return load().nearest(valence, arousal, dominance, tier=tier, k=1)[0][0]


def lookup(word: str) -> str | None:
    """The node whose name or vocabulary holds `word`, or None."""
    return load().lookup(word)


__all__ = [
    "NEUTRAL", "RELATION_TYPES", "VAD", "LabelMapping", "MappedProba", "Node", "Ontology",
    "Relation", "Scheme", "SchemeLabel", "UnknownNameError", "explain_mapping", "get_scheme",
    "label_vad", "load", "lookup", "map_label", "map_proba", "mapping_matrix", "nearest", "node",
    "path", "quadrant", "schemes", "to_vad",
]
