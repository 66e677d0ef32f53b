"""Training recipes: the commands that reproduce affectlab's text models from `../shared/data`.

`train_corpus("goemotions", vad=True)` is the shipped default: GoEmotions-28 labels and a
V/A/D head trained together on one LoRA adapter over all-MiniLM-L6-v2, thresholds tuned on the
GoEmotions dev split (for GoEmotions and every scheme its labels map into), then measured on
the official test splits, in domain and out of domain.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab import datasets
from affectlab.text import corpora as corpora_mod
from affectlab.text import evaluation as ev
from affectlab.text.classifier import EmotionClassifier
from affectlab.text.encoder import DEFAULT_ENCODER
from affectlab.text.network import AdapterConfig
from affectlab.text.training import TrainSettings

TRAINABLE = ("goemotions", "carer", "tweeteval", "emobank")
# Corpora whose own scheme can get a head beside the cross-corpus one (multi-label, with dev).
NATIVE = ("goemotions",)
# Epochs per corpus for the recipes (small corpora get more passes).
DEFAULT_EPOCHS = {"goemotions": 3.0, "carer": 3.0, "tweeteval": 6.0, "emobank": 4.0}


def train_corpus(corpus: str, *, out: str | os.PathLike[str] | None = None, vad: bool | None = None,
                 encoder: str = DEFAULT_ENCODER, settings: TrainSettings | None = None,
                 adapter: AdapterConfig | None = None, evaluate: bool = True,
                 out_of_domain: bool = True, data_dir: str | os.PathLike[str] | None = None,
                 limit: int | None = None, progress: bool = True,
                 init: str | os.PathLike[str] | None = None
                 ) -> tuple[EmotionClassifier, dict[str, Any]]:
    """Train on a corpus's train split, tune on dev, measure on test, save to `out` if given.

    `vad` adds the EmoBank V/A/D head (default: on for GoEmotions, the shipped default's recipe).
    `limit` keeps only the first rows of each split (for quick checks, not for reported numbers).
    `init` (a saved model, or "default") continues training from that model's adapter and its
    heads with the same name and labels.
    """
    if corpus not in TRAINABLE:
        raise ValueError(f"affectlab trains text models on {', '.join(TRAINABLE)}, not {corpus!r}")
    if settings is None:
        settings = TrainSettings(epochs=DEFAULT_EPOCHS[corpus])
    with_vad = (corpus in ("goemotions", "emobank")) if vad is None else vad
    if corpus == "emobank":
        with_vad = True

    def load(name: str) -> Any:
        frame = datasets.load(name, path=_corpus_path(data_dir, name))
        if limit is not None:
            frame = frame.groupby("split", group_keys=False, dropna=False).head(limit)
        return frame

    clf = EmotionClassifier(None if corpus == "emobank" else ev.CORPUS_SCHEME[corpus], encoder,
                            adapter=adapter, settings=settings, progress=progress, init=init)
    data: dict[str, Any] = {}
    labels_args: tuple[Any, ...] = (None, None)
    dev = None
    if corpus != "emobank":
        frame = load(corpus)
        train, dev_rows = ev.split(frame, "train"), ev.split(frame, "dev")
        multi = corpus == "goemotions"
        labels = [list(x) if multi else x[0] for x in train["labels"]]
        labels_args = (train["text"].tolist(), labels)
        dev = (dev_rows["text"].tolist(), [list(x) if multi else x[0] for x in dev_rows["labels"]])
        data[corpus] = f"train split, {len(train)} texts; thresholds tuned on dev ({len(dev_rows)})"
    vad_args = None
    if with_vad:
        eb = load("emobank")
        eb_train = ev.split(eb, "train")
        vad_args = (eb_train["text"].tolist(), ev.emobank_targets(eb_train))
        data["emobank"] = f"train split, {len(eb_train)} texts (V/A/D head)"
    texts, labels = labels_args
    if texts is None:
        texts = vad_args[0]
    clf.fit(texts, labels, dev=dev, vad=vad_args, data=data)

    scores: dict[str, Any] = {}
    if evaluate:
        if corpus == "goemotions":
            scores.update(ev.evaluate_goemotions(clf, frame))
        elif corpus in ("carer", "tweeteval"):
            scores.update(ev.evaluate_single(clf, frame, corpus))
        if with_vad:
            scores.update(ev.evaluate_vad(clf, eb))
        if out_of_domain and corpus == "goemotions":
            scores.update(ev.evaluate_out_of_domain(clf, load("isear"), "isear"))
            scores.update(ev.evaluate_out_of_domain(clf, load("meld"), "meld", part="test"))
    if out is not None:
        clf.save(out, metrics=scores)
    return clf, scores


def _corpus_path(data_dir: str | os.PathLike[str] | None, name: str) -> Path | None:
    if data_dir is None:
        return None
    return Path(data_dir) / datasets.info(name).folder


def train_across(corpora: Sequence[str] = corpora_mod.LABELLED, *,
                 rated: Sequence[str] = corpora_mod.RATED, space: str = "ekman7",
                 heads: str = "masked", per_corpus: int | None = 6000,
                 out: str | os.PathLike[str] | None = None, encoder: str = DEFAULT_ENCODER,
                 settings: TrainSettings | None = None, adapter: AdapterConfig | None = None,
                 exclude: Sequence[str] = (), native: str | None = None,
                 init: str | os.PathLike[str] | None = None, evaluate: bool = True,
                 data_dir: str | os.PathLike[str] | None = None,
                 progress: bool = True) -> tuple[EmotionClassifier, dict[str, Any]]:
    """One model across corpora, their labels carried into `space` through the ontology.

    Each corpus gives `per_corpus` training rows (subsampled, or drawn again when smaller),
    supervises only the labels its scheme can name (`heads="masked"`, or one head per corpus
    with `"per-corpus"`), and is measured on its own test rows (macro-F1 over the labels it
    names). `rated` corpora (EmoBank, fb_va) train the V/A/D head. `exclude` keeps texts out of
    training (a held-out corpus's test set).

    `native="goemotions"` also keeps a head in that corpus's own scheme, trained on its whole
    train split with thresholds tuned on its dev split: the model answers in GoEmotions-28
    (and every scheme mapped from it) as the single-corpus default does, and in `space` from
    the masked head. `init` (a saved model, or "default") starts training from that model's
    adapter and its heads of the same name and labels.
    """
    if native is not None and native not in NATIVE:
        raise ValueError(f"a head in a corpus's own scheme is trained for {', '.join(NATIVE)}, "
                         f"not {native!r}")
    unknown = sorted(set(corpora) - set(corpora_mod.LABELLED))
    if unknown or not corpora:
        raise ValueError(f"affectlab trains across {', '.join(corpora_mod.LABELLED)}; "
                         f"not {', '.join(unknown) or 'an empty list'}")
    bad = sorted(set(rated) - set(corpora_mod.RATED))
    if bad:
        raise ValueError(f"V/A/D ratings come from {', '.join(corpora_mod.RATED)}, "
                         f"not {', '.join(bad)}")
    splits = {c: corpora_mod.train_test(c, space, data_dir=data_dir) for c in corpora}
    tests = [t for _, te in splits.values() for t in te["text"]]
    parts = corpora_mod.mix({c: tr for c, (tr, _) in splits.items()}, space,
                            per_corpus=per_corpus, exclude=[*exclude, *tests])
    vad = None
    data: dict[str, Any] = {p.name: {**p.report, "labels": p.allowed, "weight": p.weight}
                            for p in parts}
    if rated:
        texts, values = [], []
        for name in rated:
            frame = datasets.load(name, path=_corpus_path(data_dir, name))
            if datasets.info(name).official_split:
                frame = ev.split(frame, "train")
            else:  # fb_va: the same seed-0 80/20 cut as the labelled corpora
                frame = frame.sample(frac=1.0, random_state=0)
                frame = frame.iloc[:int(len(frame) * (1 - corpora_mod.HELD_OUT_FRACTION))]
            t, y = corpora_mod.rated_rows(name, frame)
            texts += t
            values.append(y)
            data[name] = f"{len(t)} rated texts (V/A/D head)"
        vad = (texts, np.vstack(values))
    own: dict[str, Any] = {}
    if native is not None:
        frame = datasets.load(native, path=_corpus_path(data_dir, native))
        train, dev_rows = ev.split(frame, "train"), ev.split(frame, "dev")
        own = {"native": (train["text"].tolist(), [list(x) for x in train["labels"]]),
               "dev": (dev_rows["text"].tolist(), [list(x) for x in dev_rows["labels"]])}
        data[f"{native} ({ev.CORPUS_SCHEME[native]} head)"] = (
            f"train split, {len(train)} texts; thresholds tuned on dev ({len(dev_rows)})")
    clf = EmotionClassifier(ev.CORPUS_SCHEME[native] if native else space, encoder,
                            adapter=adapter, settings=settings, progress=progress, init=init)
    clf.fit_corpora(parts, heads=heads, space=space, vad=vad, data=data, **own)
    scores: dict[str, Any] = {}
    if evaluate:
        if native == "goemotions":
            scores.update(ev.evaluate_goemotions(clf, frame))
        for c, (_, te) in splits.items():
            scores[f"{c} macro-F1"] = held_out_f1(clf, te, corpora_mod.reachable(c, space),
                                                  space)
        if "emobank" in rated:
            scores.update(ev.evaluate_vad(clf, datasets.load(
                "emobank", path=_corpus_path(data_dir, "emobank"))))
    if out is not None:
        clf.save(out, metrics=scores)
    return clf, scores


def held_out_f1(clf: EmotionClassifier, rows: Any, labels: Sequence[str],
                space: str | None = None) -> float:
    """Macro-F1 of `clf`'s top label among `labels` on `rows` (text, label in `space`, by
    default the model's own scheme)."""
    from affectlab import metrics
    from affectlab.ontology import get_scheme

    names = list(clf.labels_ or []) if space is None else list(get_scheme(space).label_names)
    probs = clf.predict_proba(rows["text"].tolist(), scheme=space)
    cols = [names.index(x) for x in labels]
    pred = [labels[i] for i in probs[:, cols].argmax(1)]
    return float(metrics.macro_f1(rows["label"].tolist(), pred, labels=list(labels)))
