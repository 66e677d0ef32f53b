"""Map labels and probability vectors between schemes through the ontology.

A label travels via its nodes in Parrott's tree. For each node we look for the destination label
whose node is the closest ancestor-or-self (an equivalent or a broader label: admiration ->
Ekman joy). Where the match is exact, or where there is none, we also go down to narrower labels
(Ekman joy -> the GoEmotions joy family), keeping only those that map back up to the source
label, so a coarse label never claims a fine one that belongs elsewhere. V/A region
schemes (Russell quadrants) are reached through V/A/D coordinates. A label with no equivalent
maps to an empty list, reported explicitly rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from affectlab.ontology.model import NEUTRAL, Ontology
from affectlab.ontology.schemes import Scheme, SchemeLabel, get_scheme
from affectlab.ontology.vad import VAD, quadrant


def _onto(ontology: Ontology | None) -> Ontology:
    if ontology is not None:
        return ontology
    from affectlab.ontology import load

    return load()


def _up(onto: Ontology, node: str, dst: Scheme) -> tuple[list[str], int]:
    """Destination labels at the closest ancestor-or-self of `node`, and that distance."""
    if node == NEUTRAL:
        return [lab.name for lab in dst.labels.values() if NEUTRAL in lab.nodes], 0
    for dist, ancestor in enumerate(onto.path(node)):
        hits = [lab.name for lab in dst.labels.values() if ancestor in lab.nodes]
        if hits:
            return hits, dist
    return [], -1


def _down(onto: Ontology, node: str, src: Scheme, src_label: str, dst: Scheme) -> list[str]:
    """Narrower destination labels under `node` that map back up to `src_label`."""
    if node == NEUTRAL:
        return []
    below = set(onto.descendants(node))
    out = []
    for lab in dst.labels.values():
        if not below.intersection(lab.nodes):
            continue
        back = {name for n in lab.nodes for name in _up(onto, n, src)[0]}
        if src_label in back:
            out.append(lab.name)
    return out


def label_vad(label: str, scheme: str | Scheme, ontology: Ontology | None = None) -> VAD | None:
    """V/A/D of a scheme label: the mean of its nodes, its stand-in word, or None if unknown."""
    onto = _onto(ontology)
    sch = get_scheme(scheme)
    lab = sch.label(label)
    if lab.region is not None:
        v = 0.5 if lab.region[0] == "positive" else -0.5
        a = 0.5 if lab.region[1] == "high" else -0.5
        return VAD(v, a, 0.0)
    points = [onto.to_vad(n) for n in lab.nodes if n != NEUTRAL]
    if points:
        return VAD(*(round(float(x), 4) for x in np.mean(np.array(points), axis=0)))
    if lab.vad_word:
        words = onto.provenance.get("vad", {}).get("words", {})
        if lab.vad_word in words:
            return VAD(*words[lab.vad_word])
    if NEUTRAL in lab.nodes:
        return VAD(0.0, 0.0, 0.0)
    return None


@dataclass(frozen=True)
class LabelMapping:
    """The result of mapping one label, with how it was reached."""

    label: str
    src: str
    dst: str
    targets: list[str]
    relation: str  # equivalent | broader | narrower | quadrant | none
    nodes: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "from": self.src, "to": self.dst, "targets": self.targets,
                "relation": self.relation, "nodes": self.nodes, "notes": self.notes}


def explain_mapping(label: str, src: str | Scheme, dst: str | Scheme,
                    ontology: Ontology | None = None) -> LabelMapping:
    """Map `label` from `src` to `dst` and say how: equivalent, broader, narrower or none."""
    onto = _onto(ontology)
    s, d = get_scheme(src), get_scheme(dst)
    lab: SchemeLabel = s.label(label)
    notes = [f"{s.name}:{lab.name}: {lab.note}"] if lab.note else []

    def result(targets: list[str], relation: str) -> LabelMapping:
        ordered = [t for t in d.labels if t in set(targets)]
        for t in ordered:
            if d.labels[t].note:
                notes.append(f"{d.name}:{t}: {d.labels[t].note}")
        if not ordered:
            relation = "none"
            notes.append(f"{s.name}:{lab.name} has no equivalent in {d.name}")
        return LabelMapping(lab.name, s.name, d.name, ordered, relation, list(lab.nodes), notes)

    if s.kind == "region" or d.kind == "region":
        if s.kind == "region" and d.kind == "region":
            return result([lab.name], "equivalent")
        if d.kind == "region":
            vad = label_vad(lab.name, s, onto)
            q = quadrant(vad.valence, vad.arousal) if vad else None
            return result([q] if q else [], "quadrant")
        hits = []
        for other in d.labels.values():
            vad = label_vad(other.name, d, onto)
            if vad and quadrant(vad.valence, vad.arousal) == lab.name:
                hits.append(other.name)
        return result(hits, "quadrant")

    targets: list[str] = []
    relations: set[str] = set()
    for node in lab.nodes:
        up, dist = _up(onto, node, d)
        if up:
            targets += up
            relations.add("equivalent" if dist == 0 else "broader")
            if dist == 0:  # an equivalent label, plus any narrower ones that belong to it
                targets += _down(onto, node, s, lab.name, d)
        else:
            down = _down(onto, node, s, lab.name, d)
            targets += down
            if down:
                relations.add("narrower")
    relation = ("equivalent" if relations == {"equivalent"} else
                "broader" if "broader" in relations and "narrower" not in relations else
                "narrower" if relations == {"narrower"} else "mixed")
    return result(targets, relation)


def map_label(label: str, src: str | Scheme, dst: str | Scheme,
              ontology: Ontology | None = None) -> list[str]:
    """Labels of `dst` equivalent to `label` of `src`; [] means no equivalent exists."""
    return explain_mapping(label, src, dst, ontology).targets


def mapping_matrix(src: str | Scheme, dst: str | Scheme,
                   ontology: Ontology | None = None) -> np.ndarray:
    """(len(src), len(dst)) matrix; row i spreads label i's mass evenly over its targets.

    Rows of labels with no equivalent are all zero, so their mass is visibly lost, not moved.
    """
    s, d = get_scheme(src), get_scheme(dst)
    if ontology is None:
        return _default_matrix(s.name, d.name).copy()
    return _matrix(s, d, ontology)


def _matrix(s: Scheme, d: Scheme, onto: Ontology) -> np.ndarray:
    index = {name: j for j, name in enumerate(d.labels)}
    m = np.zeros((len(s), len(d)))
    for i, name in enumerate(s.labels):
        targets = map_label(name, s, d, onto)
        for t in targets:
            m[i, index[t]] = 1.0 / len(targets)
    return m


@lru_cache(maxsize=256)
def _default_matrix(src: str, dst: str) -> np.ndarray:
    return _matrix(get_scheme(src), get_scheme(dst), _onto(None))


@dataclass(frozen=True)
class MappedProba:
    """Probabilities carried into another scheme, with what could not be carried."""

    probs: np.ndarray  # (n, len(labels)) or (len(labels),)
    labels: list[str]
    unmapped: np.ndarray  # mass of source labels with no equivalent, per row
    split: list[str]  # source labels whose mass was divided among several targets

    def as_dict(self) -> dict[str, float] | list[dict[str, float]]:
        if self.probs.ndim == 1:
            return {k: float(v) for k, v in zip(self.labels, self.probs, strict=True)}
        return [{k: float(v) for k, v in zip(self.labels, row, strict=True)} for row in self.probs]


COMBINE = ("sum", "max", "noisy-or")


def map_proba(probs: Mapping[str, float] | Sequence[float] | np.ndarray, src: str | Scheme,
              dst: str | Scheme, ontology: Ontology | None = None, *,
              combine: str = "sum") -> MappedProba:
    """Carry probabilities (a (k,) vector, an (n, k) matrix or a {label: p} dict) into `dst`.

    `combine` says how several source labels meeting in one target add up: "sum" for a
    distribution over exclusive labels (mass is preserved; a label with several targets splits
    its mass evenly), "max" or "noisy-or" (1 - prod(1 - p)) for independent multi-label scores,
    where a label with several targets gives each its full score. Mass of a label with no
    equivalent lands in `unmapped`; nothing is renormalised silently.
    """
    if combine not in COMBINE:
        raise ValueError(f"combine must be one of {', '.join(COMBINE)}, got {combine!r}")
    s, d = get_scheme(src), get_scheme(dst)
    if isinstance(probs, Mapping):
        vec = np.zeros(len(s))
        order = list(s.labels)
        for k, v in probs.items():
            vec[order.index(s.label(k).name)] += float(v)
        arr = vec
    else:
        arr = np.asarray(probs, dtype=float)
    if arr.ndim not in (1, 2) or arr.shape[-1] != len(s):
        raise ValueError(f"expected probabilities over the {len(s)} labels of {s.name!r} "
                         f"(shape (k,) or (n, k)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("probabilities must be finite and non-negative")
    if combine != "sum" and np.any(arr > 1):
        raise ValueError(f"combine={combine!r} needs scores in [0, 1]")
    m = mapping_matrix(s, d, ontology)
    if combine == "sum":
        out = arr @ m
    else:
        hit = m > 0  # (k_src, k_dst)
        scores = arr[..., :, None] * hit  # (..., k_src, k_dst)
        out = scores.max(axis=-2) if combine == "max" else 1.0 - np.prod(1.0 - scores, axis=-2)
    unmapped_rows = m.sum(axis=1) == 0
    unmapped = arr[..., unmapped_rows].sum(axis=-1)
    split = [name for name, row in zip(s.labels, m, strict=True) if (row > 0).sum() > 1]
    return MappedProba(out, list(d.labels), np.asarray(unmapped), split)
