"""Map labels and probability vectors between schemes through the ontology.

A label travels via its nodes in Parrott's tree. For each node we look for the destination label
whose node is the closest ancestor-or-self (an equivalent or a broader label: admiration ->
Ekman joy). Where the match is exact, or where there is none, we also go down to narrower labels
(Ekman joy -> the GoEmotions joy family): a narrower label must lie wholly under the source
label's nodes and map back up to the source label, so a coarse label never claims a fine one
that belongs elsewhere. V/A region schemes (Russell quadrants) are reached through V/A/D
coordinates. A label with no equivalent maps to an empty list, reported explicitly rather than
guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from affectlab.ontology.model import NEUTRAL, Ontology
from affectlab.ontology.schemes import Scheme, SchemeLabel, get_scheme, registry
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


def _down(onto: Ontology, node: str, src: Scheme, src_label: SchemeLabel,
          dst: Scheme) -> list[str]:
    """Narrower destination labels under `node`, wholly inside the source label's span,
    that map back up to the source label."""
    if node == NEUTRAL:
        return []
    below = set(onto.descendants(node))
    span = set(src_label.nodes).union(*(onto.descendants(n) for n in src_label.nodes
                                        if n != NEUTRAL))
    out = []
    for lab in dst.labels.values():
        nodes = set(lab.nodes)
        if not nodes or not below.intersection(nodes) or not nodes <= span:
            continue
        back = {name for n in lab.nodes for name in _up(onto, n, src)[0]}
        if src_label.name in back:
            out.append(lab.name)
    return out


def _word_vad(onto: Ontology, word: str | None) -> VAD | None:
    words = onto.provenance.get("vad", {}).get("words", {})
    return VAD(*words[word]) if word and word in words else None


def label_vad(label: str, scheme: str | Scheme, ontology: Ontology | None = None) -> VAD | None:
    """V/A/D of a scheme label: its own word's rating when it has one (labels with no exact
    node), else the mean of its nodes; neutral is the origin; None when nothing is known."""
    onto = _onto(ontology)
    sch = get_scheme(scheme)
    lab = sch.label(label)
    if lab.region is not None:
        v = 0.5 if lab.region[0] == "positive" else -0.5
        a = 0.5 if lab.region[1] == "high" else -0.5
        return VAD(v, a, 0.0)
    own = _word_vad(onto, lab.vad_word)
    if own is not None:
        return own
    points = [onto.to_vad(n) for n in lab.nodes if n != NEUTRAL]
    if points:
        return VAD(*(round(float(x), 4) for x in np.mean(np.array(points), axis=0)))
    if NEUTRAL in lab.nodes:
        return VAD(0.0, 0.0, 0.0)
    return None


@dataclass(frozen=True)
class LabelMapping:
    """The result of mapping one label, with how it was reached.

    relation: equivalent (same nodes), broader (the target covers more), narrower (the target
    covers less), mixed, quadrant (through V/A) or none; it describes the main targets, and
    narrower labels listed besides an equivalent one do not change it. `approximate` is true when a label on
    either side stands on a nearest node rather than its own (see `notes`). `primary` are the
    targets that take a probability mass; the rest are narrower labels listed for completeness.
    """

    label: str
    src: str
    dst: str
    targets: list[str]
    relation: str
    nodes: list[str]
    notes: list[str]
    approximate: bool = False
    primary: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "from": self.src, "to": self.dst, "targets": self.targets,
                "relation": self.relation, "approximate": self.approximate,
                "nodes": self.nodes, "notes": self.notes}


def _relation_to(src_nodes: set[str], dst_nodes: set[str], onto: Ontology) -> str:
    """How a target label's node set relates to the source label's."""
    if src_nodes == dst_nodes:
        return "equivalent"

    def covered(inner: set[str], outer: set[str]) -> bool:
        return all(n in outer or (n != NEUTRAL and set(onto.path(n)) & outer) for n in inner)

    if covered(src_nodes, dst_nodes):
        return "broader"
    if covered(dst_nodes, src_nodes):
        return "narrower"
    return "mixed"


def explain_mapping(label: str, src: str | Scheme, dst: str | Scheme,
                    ontology: Ontology | None = None) -> LabelMapping:
    """Map `label` from `src` to `dst` and say how: equivalent, broader, narrower or none."""
    onto = _onto(ontology)
    s, d = get_scheme(src), get_scheme(dst)
    lab: SchemeLabel = s.label(label)
    notes = [f"{s.name}:{lab.name}: {lab.note}"] if lab.note else []

    def result(targets: list[str], relation: str, primary: list[str] | None = None) -> LabelMapping:
        chosen = set(targets)
        ordered = [t for t in d.labels if t in chosen]
        for t in ordered:
            if d.labels[t].note and d is not s:
                notes.append(f"{d.name}:{t}: {d.labels[t].note}")
        approximate = d is not s and (lab.approximate or any(d.labels[t].approximate
                                                              for t in ordered))
        if not ordered:
            relation = "none"
            notes.append(f"{s.name}:{lab.name} has no equivalent in {d.name}")
        main = tuple(t for t in ordered if primary is None or t in set(primary))
        return LabelMapping(lab.name, s.name, d.name, ordered, relation, list(lab.nodes), notes,
                            approximate, main or tuple(ordered))

    if s is d or (s.name == d.name and s.labels == d.labels):
        return result([lab.name], "equivalent")
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

    if lab.unmapped:  # no node: only the very same concept elsewhere is an equivalent
        same = [o.name for o in d.labels.values() if o.unmapped and (
            (lab.vad_word and o.vad_word == lab.vad_word) or o.name == lab.name)]
        return result(same, "equivalent")

    main: list[str] = []
    narrower: list[str] = []
    for node in lab.nodes:
        up, dist = _up(onto, node, d)
        main += up
        if not up or dist == 0:
            narrower += [t for t in _down(onto, node, s, lab, d) if t not in up]
    narrower = [t for t in narrower if t not in main]
    src_nodes = set(lab.nodes)
    kinds = {_relation_to(src_nodes, set(d.labels[t].nodes), onto) for t in main}
    if not main and narrower:
        kinds = {"narrower"}
    relation = kinds.pop() if len(kinds) == 1 else "mixed"
    return result(main + narrower, relation, primary=main or narrower)


def map_label(label: str, src: str | Scheme, dst: str | Scheme,
              ontology: Ontology | None = None) -> list[str]:
    """Labels of `dst` equivalent to `label` of `src`; [] means no equivalent exists."""
    return explain_mapping(label, src, dst, ontology).targets


def mapping_matrix(src: str | Scheme, dst: str | Scheme,
                   ontology: Ontology | None = None) -> np.ndarray:
    """(len(src), len(dst)) matrix; row i spreads label i's mass evenly over its main targets.

    Main targets are the equivalent or broader labels when there are any, else the narrower
    ones. Rows of labels with no equivalent are all zero, so their mass is visibly lost.
    """
    s, d = get_scheme(src), get_scheme(dst)
    reg = registry()
    if ontology is None and reg.get(s.name) is s and reg.get(d.name) is d:
        return _default_matrix(s.name, d.name).copy()
    return _matrix(s, d, _onto(ontology))


def _matrix(s: Scheme, d: Scheme, onto: Ontology) -> np.ndarray:
    index = {name: j for j, name in enumerate(d.labels)}
    m = np.zeros((len(s), len(d)))
    for i, name in enumerate(s.labels):
        targets = explain_mapping(name, s, d, onto).primary
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
    unmapped: np.ndarray  # per row: mass (sum) or score (max / noisy-or) with no equivalent
    split: list[str]  # source labels whose mass was divided among several targets ("sum")

    def as_dict(self) -> dict[str, float] | list[dict[str, float]]:
        if self.probs.ndim == 1:
            return {k: float(v) for k, v in zip(self.labels, self.probs, strict=True)}
        return [{k: float(v) for k, v in zip(self.labels, row, strict=True)} for row in self.probs]


COMBINE = ("auto", "sum", "max", "noisy-or")


def _as_array(probs: Mapping[str, float] | Sequence[float] | np.ndarray, s: Scheme) -> np.ndarray:
    if isinstance(probs, Mapping):
        vec = np.zeros(len(s))
        order = list(s.labels)
        seen: dict[str, str] = {}
        for k, v in probs.items():
            name = s.label(k).name
            if name in seen:
                raise ValueError(f"{k!r} and {seen[name]!r} are the same label ({name!r}) "
                                 f"of {s.name!r}; give it once")
            seen[name] = k
            vec[order.index(name)] = float(v)
        return vec
    return np.asarray(probs, dtype=float)


def map_proba(probs: Mapping[str, float] | Sequence[float] | np.ndarray, src: str | Scheme,
              dst: str | Scheme, ontology: Ontology | None = None, *,
              combine: str = "auto") -> MappedProba:
    """Carry probabilities (a (k,) vector, an (n, k) matrix or a {label: p} dict) into `dst`.

    `combine` says how several source labels meeting in one target add up: "sum" for a
    distribution over exclusive labels (mass is preserved; a label with several main targets
    splits its mass evenly), "max" or "noisy-or" (1 - prod(1 - p)) for independent multi-label
    scores, where a label gives each of its targets its full score. "auto" (the default) takes
    noisy-or for a multi-label source scheme (GoEmotions) and sum otherwise; "sum" on scores that
    add up to more than 1 warns (they cannot be one distribution). What has no equivalent is
    reported in `unmapped` (combined the same way); nothing is renormalised silently.
    """
    if combine not in COMBINE:
        raise ValueError(f"combine must be one of {', '.join(COMBINE)}, got {combine!r}")
    s, d = get_scheme(src), get_scheme(dst)
    if combine == "auto":
        combine = "noisy-or" if s.multi_label else "sum"
    arr = _as_array(probs, s)
    if arr.ndim not in (1, 2) or arr.shape[-1] != len(s):
        raise ValueError(f"expected probabilities over the {len(s)} labels of {s.name!r} "
                         f"(shape (k,) or (n, k)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("probabilities must be finite and non-negative")
    if combine != "sum" and np.any(arr > 1):
        raise ValueError(f"combine={combine!r} needs scores in [0, 1]")
    if combine == "sum" and np.any(arr.sum(axis=-1) > 1 + 1e-6):
        import warnings

        warnings.warn(f"probabilities over {s.name!r} add up to more than 1: they look like "
                      "independent multi-label scores, whose sum over-counts; pass "
                      "combine='noisy-or' (or 'max')", stacklevel=2)
    m = mapping_matrix(s, d, ontology)
    lost = m.sum(axis=1) == 0
    if combine == "sum":
        out = arr @ m
        unmapped = arr[..., lost].sum(axis=-1)
        split = [name for name, row in zip(s.labels, m, strict=True) if (row > 0).sum() > 1]
    else:
        scores = arr[..., :, None] * (m > 0)  # (..., k_src, k_dst)
        lost_scores = arr[..., lost]
        if combine == "max":
            out = scores.max(axis=-2)
            unmapped = lost_scores.max(axis=-1, initial=0.0)
        else:
            out = 1.0 - np.prod(1.0 - scores, axis=-2)
            unmapped = 1.0 - np.prod(1.0 - lost_scores, axis=-1)
        split = []
    return MappedProba(out, list(d.labels), np.asarray(unmapped), split)
