"""How text emotion models are measured, the way each corpus's papers measure them.

GoEmotions: macro-F1 over the 28 labels with per-label thresholds tuned on dev (and at 0.5),
and mapped to Ekman-7. CARER, TweetEval: accuracy and macro-F1 on the test split. EmoBank:
Pearson r per dimension. Out of domain (ISEAR, MELD): the model's probabilities carried into
the corpus's scheme through the ontology, argmax over the classes the mapping reaches, macro-F1
over those shared classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from affectlab import metrics

# Which scheme each labelled text corpus uses (the dataset registry says the same).
CORPUS_SCHEME = {"goemotions": "goemotions", "carer": "carer6", "tweeteval": "tweeteval4",
                 "isear": "isear7", "meld": "meld7"}


def emobank_targets(frame: pd.DataFrame) -> np.ndarray:
    """EmoBank's 1-5 V/A/D ratings on affectlab's [-1, 1] scale: (x - 3) / 2."""
    return ((frame[["valence", "arousal", "dominance"]].to_numpy(dtype=float) - 3.0) / 2.0)


def split(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    part = frame[frame["split"] == name]
    if part.empty:
        raise ValueError(f"this corpus has no {name!r} split")
    return part


def multilabel_scores(gold: np.ndarray, probs: np.ndarray, thresholds: np.ndarray,
                      prefix: str) -> dict[str, float]:
    """Macro-F1 at tuned thresholds and at 0.5, and micro-F1 at tuned thresholds."""
    pred = metrics.apply_thresholds(probs, thresholds)
    return {
        f"{prefix} macro-F1 (dev-tuned thresholds)": float(metrics.multilabel_f1(gold, pred)),
        f"{prefix} macro-F1 (threshold 0.5)":
            float(metrics.multilabel_f1(gold, metrics.apply_thresholds(probs, 0.5))),
        f"{prefix} micro-F1 (dev-tuned thresholds)":
            float(metrics.multilabel_f1(gold, pred, average="micro")),
    }


def evaluate_goemotions(clf: Any, frame: pd.DataFrame, part: str = "test") -> dict[str, float]:
    """GoEmotions-28 and Ekman-7 scores of a model trained on GoEmotions labels (Ekman-7 from
    the model's Ekman-7 head when it has one, else carried from the 28 labels)."""
    test = split(frame, part)
    texts = test["text"].tolist()
    probs = clf.predict_proba(texts)
    rows = [list(x) for x in test["labels"]]
    out = multilabel_scores(clf.indicator(rows), probs, clf.thresholds(), "GoEmotions-28")
    mapped, gold = clf.map_dev(probs, rows, "ekman7")
    if "ekman7" in (getattr(clf, "scheme_heads_", None) or {}):  # a head trained in Ekman-7
        mapped = clf.predict_proba(texts, scheme="ekman7")
    out.update(multilabel_scores(gold, mapped, clf.thresholds("ekman7"), "GoEmotions→Ekman-7"))
    return out


def evaluate_single(clf: Any, frame: pd.DataFrame, corpus: str,
                    part: str = "test") -> dict[str, float]:
    """Accuracy and macro-F1 of a single-label model on its own corpus."""
    test = split(frame, part)
    gold = [x[0] for x in test["labels"]]
    pred = clf.predict(test["text"].tolist())
    return {f"{corpus} accuracy": float(metrics.accuracy(gold, pred)),
            f"{corpus} macro-F1": float(metrics.macro_f1(gold, pred, labels=clf.labels_))}


def evaluate_vad(clf: Any, frame: pd.DataFrame, part: str = "test") -> dict[str, float]:
    """Pearson r per dimension on EmoBank."""
    test = split(frame, part)
    pred = clf.predict_vad(test["text"].tolist())
    gold = emobank_targets(test)
    return {f"EmoBank {d} r": float(metrics.pearson(gold[:, i], pred[:, i]))
            for i, d in enumerate(("valence", "arousal", "dominance"))}


def evaluate_out_of_domain(clf: Any, frame: pd.DataFrame, corpus: str,
                           part: str | None = None) -> dict[str, Any]:
    """Macro-F1 over the classes of `corpus` that the model's labels reach through the ontology."""
    from affectlab import ontology

    target = CORPUS_SCHEME[corpus]
    rows = frame if part is None else split(frame, part)
    m = ontology.mapping_matrix(clf.scheme, target)
    labels = list(ontology.get_scheme(target).label_names)
    shared = [x for x, reached in zip(labels, m.sum(0) > 0, strict=True) if reached]
    gold_all = [x[0] if len(x) else None for x in rows["labels"]]
    keep = np.asarray([g in shared for g in gold_all])
    texts = rows["text"][keep].tolist()
    gold = [g for g, k in zip(gold_all, keep, strict=True) if k]
    mapped = clf.map_proba(clf.predict_proba(texts), target)
    cols = [labels.index(x) for x in shared]
    pred = [shared[i] for i in mapped[:, cols].argmax(1)]
    return {f"{corpus} (out of domain) macro-F1 over shared classes":
            float(metrics.macro_f1(gold, pred, labels=shared)),
            f"{corpus} (out of domain) accuracy": float(metrics.accuracy(gold, pred)),
            f"{corpus} shared classes": ", ".join(shared),
            f"{corpus} texts": len(texts)}
