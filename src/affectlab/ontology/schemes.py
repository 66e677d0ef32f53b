"""Label schemes (GoEmotions, Ekman, Plutchik, ...) and where each label sits in the ontology."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from affectlab.errors import UnknownNameError, normalise
from affectlab.ontology.model import NEUTRAL, _read_data, read_tree


@dataclass(frozen=True)
class SchemeLabel:
    """One label of a scheme: the ontology nodes it stands for, or a V/A region."""

    name: str
    nodes: tuple[str, ...] = ()
    note: str | None = None
    vad_word: str | None = None  # a word whose normed V/A/D stands in when nodes is empty
    region: tuple[str, str] | None = None  # (valence sign, arousal level) for region schemes
    approximate: bool = False  # stands on the nearest node, not on a node of its own

    @property
    def unmapped(self) -> bool:
        """True when the label has no equivalent node in the tree."""
        return self.region is None and not self.nodes

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "nodes": list(self.nodes)}
        if self.region:
            out["region"] = {"valence": self.region[0], "arousal": self.region[1]}
        if self.note:
            out["note"] = self.note
        if self.approximate:
            out["approximate"] = True
        if self.unmapped:
            out["unmapped"] = True
        return out


@dataclass(frozen=True)
class Scheme:
    """A named label set; `kind` is 'categorical' (labels are nodes) or 'region' (V/A regions)."""

    name: str
    title: str
    labels: dict[str, SchemeLabel]
    kind: str = "categorical"
    aliases: tuple[str, ...] = ()
    label_aliases: dict[str, str] = field(default_factory=dict)
    multi_label: bool = False  # annotated with several labels per item (scores independent)

    @property
    def label_names(self) -> list[str]:
        return list(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def label(self, name: str) -> SchemeLabel:
        """Resolve a label (or one of its aliases); unknown labels raise with suggestions."""
        key = normalise(name)
        key = self.label_aliases.get(key, key)
        if key in self.labels:
            return self.labels[key]
        raise UnknownNameError("label", name, self.labels, context=f"scheme {self.name!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "kind": self.kind,
                "multi_label": self.multi_label, "aliases": list(self.aliases),
                "size": len(self.labels),
                "labels": [lab.to_dict() for lab in self.labels.values()]}


def _parse_label(name: str, spec: Any, kind: str) -> SchemeLabel:
    if kind == "region":
        return SchemeLabel(name=name, note=spec.get("note"),
                           region=(spec["valence"], spec["arousal"]))
    if isinstance(spec, list):
        spec = {"nodes": spec}
    return SchemeLabel(name=name, nodes=tuple(normalise(n) for n in spec.get("nodes", [])),
                       note=spec.get("note"), vad_word=spec.get("vad_word"),
                       approximate=bool(spec.get("approximate", False)))


def _parrott_schemes(tree: dict[str, dict[str, Any]]) -> list[Scheme]:
    """Schemes read straight off the tree: every node, the primaries, the secondaries."""
    def scheme(name: str, title: str, names: list[str], aliases: tuple[str, ...]) -> Scheme:
        return Scheme(name=name, title=title, aliases=aliases,
                      labels={n: SchemeLabel(name=n, nodes=(n,)) for n in names})

    return [
        scheme("parrott", "Parrott's tree, every node of all three tiers", list(tree),
               ("parrott-all", "ontology")),
        scheme("parrott-primary", "Parrott's six primary emotions",
               [n for n, r in tree.items() if r["tier"] == 1], ("parrott1", "primary")),
        scheme("parrott-secondary", "Parrott's 25 secondary emotions",
               [n for n, r in tree.items() if r["tier"] == 2], ("parrott2", "secondary")),
    ]


@lru_cache(maxsize=1)
def registry() -> dict[str, Scheme]:
    """Every scheme by canonical name, checked against the tree (an unknown node fails loudly)."""
    tree = read_tree()
    raw = yaml.safe_load(_read_data("schemes.yaml"))
    out: dict[str, Scheme] = {}
    for name, spec in raw.items():
        kind = spec.get("kind", "categorical")
        labels = {normalise(k): _parse_label(normalise(k), v, kind)
                  for k, v in spec["labels"].items()}
        for lab in labels.values():
            for node in lab.nodes:
                if node != NEUTRAL and node not in tree:
                    raise UnknownNameError("emotion", node, tree,
                                           context=f"schemes.yaml, {name}:{lab.name}")
        out[normalise(name)] = Scheme(
            name=normalise(name), title=spec["title"], labels=labels, kind=kind,
            aliases=tuple(normalise(a) for a in spec.get("aliases", [])),
            label_aliases={normalise(k): normalise(v)
                           for k, v in (spec.get("label_aliases") or {}).items()},
            multi_label=bool(spec.get("multi_label", False)),
        )
    for sch in _parrott_schemes(tree):
        out[sch.name] = sch
    return out


@lru_cache(maxsize=1)
def _scheme_index() -> dict[str, str]:
    """Every name and alias, with '-' dropped, -> canonical scheme name."""
    index: dict[str, str] = {}
    for sch in registry().values():
        for key in (sch.name, *sch.aliases):
            index.setdefault(key.replace("-", ""), sch.name)
    return index


def schemes() -> list[str]:
    """Canonical names of all label schemes."""
    return list(registry())


def get_scheme(name: str | Scheme) -> Scheme:
    """A scheme by name or alias (case, '-', '_' and spaces ignored)."""
    if isinstance(name, Scheme):
        return name
    reg = registry()
    found = _scheme_index().get(normalise(name).replace("-", ""))
    if found is not None:
        return reg[found]
    raise UnknownNameError("scheme", name, reg, aliases=[a for s in reg.values() for a in s.aliases])
