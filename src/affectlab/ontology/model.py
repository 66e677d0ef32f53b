"""The emotion graph: Parrott's three tiers, TONE's three relation types, vocabulary and V/A/D."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from affectlab.errors import UnknownNameError, normalise
from affectlab.ontology.vad import VAD, check_coordinates

TIERS = {1: "primary", 2: "secondary", 3: "tertiary"}
RELATION_TYPES = ("is_opposite_of", "is_composed_of", "leads_to")
NEUTRAL = "neutral"  # not an emotion of the tree; the concept that neutral labels map to


@dataclass(frozen=True)
class Node:
    """One emotion of the tree."""

    name: str
    tier: int
    parent: str | None
    definition: str
    children: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    vad: VAD | None = None

    @property
    def tier_name(self) -> str:
        return TIERS[self.tier]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tier": self.tier,
            "tier_name": self.tier_name,
            "parent": self.parent,
            "definition": self.definition,
            "children": list(self.children),
            "vocabulary": list(self.vocabulary),
            "vad": self.vad._asdict() if self.vad else None,
        }


@dataclass(frozen=True)
class Relation:
    """A typed edge: `source` is_opposite_of / is_composed_of / leads_to `target`."""

    type: str
    source: str
    target: str
    evidence: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "source": self.source, "target": self.target,
                "evidence": self.evidence}


@dataclass
class Ontology:
    """Parrott's tree with definitions, vocabulary, V/A/D and relations; read-only once built."""

    nodes: dict[str, Node]
    relations: list[Relation] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._records = {n.name: {"children": n.children, "parent": n.parent}
                         for n in self.nodes.values()}
        self._word_index: dict[str, str] = {}
        for node in self.nodes.values():
            for word in (node.name, *node.vocabulary):
                self._word_index.setdefault(word, node.name)

    # --- lookups -----------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise(name) in self.nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, name: str) -> Node:
        """The node called `name`; an unknown name raises with the closest matches."""
        key = normalise(name)
        try:
            return self.nodes[key]
        except KeyError:
            raise UnknownNameError("emotion", name, self.nodes, context="the ontology",
                                   hint="`affectlab ontology tree` lists them.") from None

    def tier(self, tier: int | str) -> list[str]:
        """Names of the nodes of one tier (1/2/3 or 'primary'/'secondary'/'tertiary')."""
        level = _tier_number(tier)
        return [n.name for n in self.nodes.values() if n.tier == level]

    @property
    def primary(self) -> list[str]:
        return self.tier(1)

    def path(self, name: str) -> list[str]:
        """From `name` up to its primary: e.g. amusement -> cheerfulness -> joy."""
        node = self.node(name)
        out = [node.name]
        while node.parent is not None:
            node = self.nodes[node.parent]
            out.append(node.name)
        return out

    def primary_of(self, name: str) -> str:
        return self.path(name)[-1]

    def descendants(self, name: str) -> list[str]:
        """All nodes below `name`, depth first."""
        return tree_descendants(self._records, self.node(name).name)

    def is_a(self, name: str, ancestor: str) -> bool:
        """True when `ancestor` is `name` itself or lies on its path to the primary."""
        return self.node(ancestor).name in self.path(name)

    def lookup(self, word: str) -> str | None:
        """The node whose name or vocabulary holds `word`, or None."""
        if not isinstance(word, str):
            raise TypeError(f"expected a word as str, got {type(word).__name__}")
        return self._word_index.get(word.strip().lower())

    def vocabulary(self, name: str) -> list[str]:
        return list(self.node(name).vocabulary)

    # --- relations ---------------------------------------------------------------------------
    def related(self, name: str, type: str | None = None) -> list[Relation]:
        """Relations that touch `name` (either end), optionally of one type."""
        node = self.node(name).name
        if type is not None:
            type = normalise(type).replace("-", "_")
            if type not in RELATION_TYPES:
                raise UnknownNameError("relation type", type, RELATION_TYPES)
        return [r for r in self.relations
                if (type is None or r.type == type) and node in (r.source, r.target)]

    def opposites(self, name: str) -> list[str]:
        node = self.node(name).name
        return [r.target if r.source == node else r.source
                for r in self.related(node, "is_opposite_of")]

    def components(self, name: str) -> list[str]:
        """What a compound emotion is composed of (Plutchik's dyads and the like)."""
        node = self.node(name).name
        return [r.target for r in self.relations if r.type == "is_composed_of" and r.source == node]

    def leads_to(self, name: str) -> list[str]:
        node = self.node(name).name
        return [r.target for r in self.relations if r.type == "leads_to" and r.source == node]

    # --- valence / arousal / dominance -------------------------------------------------------
    def to_vad(self, name: str) -> VAD:
        """V/A/D of a node on [-1, 1]; `neutral` is the origin."""
        if normalise(name) == NEUTRAL:
            return VAD(0.0, 0.0, 0.0)
        node = self.node(name)
        if node.vad is None:
            raise LookupError(f"{node.name!r} has no V/A/D coordinates (run `affectlab ontology build`)")
        return node.vad

    def nearest(self, valence: float, arousal: float, dominance: float | None = None, *,
                tier: int | str | None = None, k: int = 1) -> list[tuple[str, float]]:
        """The k nodes closest to a V/A(/D) point, with their distances, nearest first."""
        check_coordinates(valence=valence, arousal=arousal, dominance=dominance)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        level = _tier_number(tier) if tier is not None else None
        scored = [
            (n.name, round(n.vad.distance(valence, arousal, dominance), 6))
            for n in self.nodes.values()
            if n.vad is not None and (level is None or n.tier == level)
        ]
        scored.sort(key=lambda item: (item[1], item[0]))
        return scored[:k]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes.values()],
            "relations": [r.to_dict() for r in self.relations],
            "provenance": self.provenance,
        }


def _tier_number(tier: int | str) -> int:
    if isinstance(tier, str):
        names = {v: k for k, v in TIERS.items()}
        tier = tier.strip()
        if tier.isdigit():
            tier = int(tier)
        elif tier.lower() in names:
            return names[tier.lower()]
    if tier in TIERS:
        return int(tier)
    raise UnknownNameError("tier", str(tier), [*TIERS.values(), "1", "2", "3"])


# --- building from the package data --------------------------------------------------------------
def tree_descendants(tree: dict[str, dict[str, Any]], name: str) -> list[str]:
    """All names below `name` in flat tree records ({name: {children, parent, ...}}), depth first."""
    out: list[str] = []
    stack = list(reversed(tree[name]["children"]))
    while stack:
        child = stack.pop()
        out.append(child)
        stack.extend(reversed(tree[child]["children"]))
    return out


def tree_primary(tree: dict[str, dict[str, Any]], name: str) -> str:
    """The primary at the top of `name`'s path in flat tree records."""
    while tree[name]["parent"] is not None:
        name = tree[name]["parent"]
    return name


def _read_data(name: str) -> str:
    return resources.files("affectlab.ontology").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def _has_data(name: str) -> bool:
    return resources.files("affectlab.ontology").joinpath("data").joinpath(name).is_file()


def read_tree() -> dict[str, dict[str, Any]]:
    """The hand-curated tree as flat records {name: {tier, parent, definition, children}}."""
    raw = yaml.safe_load(_read_data("parrott.yaml"))
    flat: dict[str, dict[str, Any]] = {}

    def visit(name: str, spec: Any, tier: int, parent: str | None) -> None:
        if isinstance(spec, str):
            spec = {"definition": spec}
        key = normalise(name)
        if key in flat:
            raise ValueError(f"parrott.yaml: {key!r} appears twice")
        children = spec.get("children") or {}
        flat[key] = {"tier": tier, "parent": parent, "definition": spec["definition"].strip(),
                     "children": tuple(normalise(c) for c in children)}
        for child, child_spec in children.items():
            visit(child, child_spec, tier + 1, key)

    for name, spec in raw.items():
        visit(name, spec, 1, None)
    return flat


def read_relations(valid: dict[str, Any]) -> list[Relation]:
    """Typed relations from relations.yaml, each endpoint checked against the tree."""
    raw = yaml.safe_load(_read_data("relations.yaml"))
    out: list[Relation] = []

    def check(name: str) -> str:
        key = normalise(name)
        if key not in valid:
            raise UnknownNameError("emotion", name, valid, context="relations.yaml")
        return key

    for item in raw.get("is_opposite_of", []):
        out.append(Relation("is_opposite_of", check(item["a"]), check(item["b"]), item["source"]))
    for item in raw.get("is_composed_of", []):
        whole = check(item["emotion"])
        for part in item["of"]:
            part = check(part)
            if part in tree_descendants(valid, whole):
                raise ValueError(f"relations.yaml: {whole!r} cannot be composed of {part!r}, "
                                 "one of its own sub-kinds")
            out.append(Relation("is_composed_of", whole, part, item["source"]))
    for item in raw.get("leads_to", []):
        out.append(Relation("leads_to", check(item["cause"]), check(item["effect"]), item["source"]))
    return out


def build_ontology() -> Ontology:
    """Assemble the ontology from the shipped data files (tree, relations, vocabulary, V/A/D)."""
    flat = read_tree()
    vocab: dict[str, list[str]] = {}
    vad: dict[str, VAD] = {}
    provenance: dict[str, Any] = {}
    if _has_data("vocabulary.json"):
        data = json.loads(_read_data("vocabulary.json"))
        vocab = {k: [w for w, _ in v] for k, v in data["nodes"].items()}
        provenance["vocabulary"] = data.get("meta", {})
    if _has_data("vad.json"):
        data = json.loads(_read_data("vad.json"))
        vad = {k: VAD(*v["vad"]) for k, v in data["nodes"].items()}
        provenance["vad"] = data.get("meta", {})
    nodes = {
        name: Node(name=name, tier=rec["tier"], parent=rec["parent"], definition=rec["definition"],
                   children=rec["children"], vocabulary=tuple(vocab.get(name, ())),
                   vad=vad.get(name))
        for name, rec in flat.items()
    }
    return Ontology(nodes=nodes, relations=read_relations(flat), provenance=provenance)
