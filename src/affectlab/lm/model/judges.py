"""Judges of the emotion a reply expresses, and emotion-expression accuracy.

A judge maps replies to ``(probabilities (n, n_labels), label names)``; NaN rows are replies it
could not judge (empty). Two ship: `analyze_judge` (the project's text emotion classifier, the
default) and `lexicon_judge` (NRC Emotion Lexicon word counts, a transparent second opinion).
Expression accuracy counts a reply as expressing the target when the judge's top label is it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EKMAN_OF", "JUDGES", "Judge", "analyze_judge", "expression_accuracy", "get_judge",
           "lexicon_judge"]

#: A judge maps replies to (probabilities (n, n_labels), label names); NaN rows = not judged.
Judge = Callable[[list[str]], tuple[np.ndarray, Sequence[str]]]


def analyze_judge(scheme: str = "ekman7", model: Any = None) -> Judge:
    """A judge backed by `affectlab.analyze` (the default text emotion classifier). Empty replies
    come back as NaN rows (not judged)."""

    def judge(texts: list[str]) -> tuple[np.ndarray, list[str]]:
        from affectlab import analyze

        if not texts:
            raise ValueError("nothing to judge")
        results = analyze(list(texts), scheme=scheme, model=model)
        labels = list(results[0]["probs"])
        probs = np.array([[np.nan if r["probs"][x] is None else r["probs"][x] for x in labels]
                          for r in results], dtype=np.float64)
        return probs, labels

    return judge


#: Judge label of each elicited emotion (the SEV emotions use "happiness"; Ekman schemes "joy").
EKMAN_OF: dict[str, str] = {"happiness": "joy"}

_LEXICON_EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def _nrc() -> dict[str, frozenset[str]]:
    spec = importlib.util.find_spec("nrclex")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the lexicon judge needs the NRC Emotion Lexicon: "
                                  "pip install 'affectlab[lexicon]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "nrc_en.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {w: frozenset(tags) & set(_LEXICON_EMOTIONS) for w, tags in raw.items()
            if set(tags) & set(_LEXICON_EMOTIONS)}


def _lookup(word: str, lexicon: Mapping[str, frozenset[str]]) -> frozenset[str]:
    if word in lexicon:
        return lexicon[word]
    for suffix in ("s", "es", "ed", "d", "ing", "ly"):
        if word.endswith(suffix) and word[: -len(suffix)] in lexicon:
            return lexicon[word[: -len(suffix)]]
    return frozenset()


def lexicon_judge() -> Judge:
    """Counts NRC emotion words per Ekman emotion; a reply with none is judged neutral."""
    lexicon = _nrc()
    labels = [*_LEXICON_EMOTIONS, "neutral"]

    def judge(texts: list[str]) -> tuple[np.ndarray, list[str]]:
        if not texts:
            raise ValueError("nothing to judge")
        out = np.zeros((len(texts), len(labels)))
        for r, text in enumerate(texts):
            if not text or not text.strip():
                out[r] = np.nan
                continue
            for word in _WORD.findall(text.lower()):
                for tag in _lookup(word, lexicon):
                    out[r, labels.index(tag)] += 1
            total = out[r].sum()
            if total == 0:
                out[r, -1] = 1.0
            else:
                out[r] /= total
        return out, labels

    return judge


JUDGES = {"classifier": analyze_judge, "lexicon": lexicon_judge}


def get_judge(name: str | Judge = "classifier") -> Judge:
    """A judge by name ("classifier", "lexicon") or a callable passed through."""
    if callable(name):
        return name
    if name not in JUDGES:
        from affectlab.errors import UnknownNameError

        raise UnknownNameError("judge", name, JUDGES)
    return JUDGES[name]()


def expression_accuracy(probs: np.ndarray, labels: Sequence[str],
                        targets: Sequence[str]) -> dict[str, Any]:
    """Share of replies whose top judged label is the target emotion, overall and per emotion.

    Unjudged (NaN) replies count as failures: an empty reply expresses nothing.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if len(probs) != len(targets):
        raise ValueError(f"{len(probs)} judged replies for {len(targets)} targets")
    names = list(labels)
    want = [t if t in names else EKMAN_OF.get(t, t) for t in targets]
    unknown = sorted({w for w in want if w not in names})
    if unknown:
        raise ValueError(f"targets {unknown} are not judge labels {names}")
    ok = np.zeros(len(probs), dtype=bool)
    valid = ~np.isnan(probs).any(axis=1)
    top = np.where(valid, np.nanargmax(np.where(valid[:, None], probs, 0.0), axis=1), -1)
    for r, w in enumerate(want):
        ok[r] = valid[r] and names[top[r]] == w
    per: dict[str, float] = {}
    for t in dict.fromkeys(targets):
        rows = [r for r, x in enumerate(targets) if x == t]
        per[t] = float(ok[rows].mean())
    return {"accuracy": float(ok.mean()) if len(ok) else float("nan"), "per_emotion": per,
            "n": len(ok), "correct": ok.tolist(),
            "top": [names[k] if k >= 0 else None for k in top]}
