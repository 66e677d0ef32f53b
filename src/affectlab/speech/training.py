"""Training speech emotion models on EmoDB, with their leave-one-speaker-out scores and card.

`train_emodb` is how the shipped default models were made:
``affectlab speech train --features egemaps+logmel --out src/affectlab/speech/default_model/egemaps_logmel``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from affectlab.speech.classifier import SpeechEmotionClassifier, parse_features
from affectlab.speech.features import extract_many
from affectlab.speech.vad import trim


def default_cache_dir() -> Path:
    """Where corpus feature matrices are cached: $AFFECTLAB_CACHE/speech or ~/.cache/affectlab."""
    from affectlab.core.files import cache_root

    return cache_root("speech")


def corpus_features(frame: pd.DataFrame, features: str | Sequence[str], *, vad: bool = False,
                    cache: str | os.PathLike[str] | None = None,
                    progress: bool = True) -> np.ndarray:
    """The feature matrix of a corpus table (its `path` column), cached per feature set."""
    import functools

    from affectlab.speech.vad import resolved_method

    kinds = parse_features(features)
    folder = Path(cache) if cache is not None else default_cache_dir()
    # the detector actually used is part of the cache key
    step = functools.partial(trim, method=resolved_method()) if vad else None
    return np.hstack([extract_many(frame["path"], k, progress=progress, cache=folder,
                                   preprocess=step) for k in kinds]).astype(np.float64)


def train_emodb(out: str | os.PathLike[str], *, features: str | Sequence[str] = "egemaps+logmel",
                C: float = 0.1, vad: bool = True, corpus: str | os.PathLike[str] | None = None,
                cache: str | os.PathLike[str] | None = None,
                progress: bool = True) -> tuple[Path, dict[str, Any]]:
    """Score a model leave-one-speaker-out, then fit it on all ten speakers and save it with a
    model card. Returns the folder and the scores."""
    from affectlab.datasets import load_emodb
    from affectlab.speech.evaluation import loso_evaluate

    kinds = parse_features(features)
    df = load_emodb(corpus)
    X = corpus_features(df, kinds, vad=vad, cache=cache, progress=progress)
    labels, speakers = list(df["labels"]), list(df["subject"])
    loso = {h: loso_evaluate(X, labels, speakers, features=kinds, C=C, head=h).summary()
            for h in ("speaker", "global")}
    clf = SpeechEmotionClassifier("emodb7", kinds, C=C).fit(X, labels, speakers)
    summary = {
        "corpus": "emodb", "n": len(df), "features": "+".join(kinds), "C": C, "vad": vad,
        "trained": _dt.date.today().isoformat(),
        "loso": {h: {k: r[k] for k in ("uar", "wa", "recall")} for h, r in loso.items()},
    }
    path = clf.save(out, metrics=summary,
                    training={k: summary[k] for k in ("corpus", "n", "vad", "trained")})
    _card(path, summary)
    return path, summary


def _card(path: Path, s: dict[str, Any]) -> None:
    sp, gl = s["loso"]["speaker"], s["loso"]["global"]
    recall = ", ".join(f"{k} {v:.2f}" for k, v in sp["recall"].items())
    smile = [k for k in s["features"].split("+") if k in ("egemaps", "compare")]
    licence = (f"the {' and '.join(smile)} features come from openSMILE, which is free for "
               "research and education only" if smile else
               "the log-mel features are computed by affectlab itself (no openSMILE)")
    text = f"""# affectlab speech emotion model: {s['features']} on EmoDB

- **What it does**: 7-class speech emotion (EmoDB: anger, boredom, disgust, fear, happiness,
  sadness, neutral) from utterance-level acoustic functionals ({s['features']}); valence and
  arousal follow from the ontology's coordinates of those labels.
- **How it was made**: `affectlab speech train --features {s['features']} --C {s['C']}`
  ({'with' if s['vad'] else 'without'} voice-activity trimming), multinomial logistic regression
  with balanced class weights, trained on all {s['n']} EmoDB utterances (10 speakers) on
  {s['trained']}.
- **Two heads**: "speaker" (features z-scored within each speaker; used when at least 10
  utterances of a speaker are analysed together) and "global" (any single file).
- **Leave-one-speaker-out scores** (same recipe, each speaker held out in turn):
  speaker head UAR {sp['uar']:.3f}, WA {sp['wa']:.3f}; global head UAR {gl['uar']:.3f},
  WA {gl['wa']:.3f}. Recall per class (speaker head): {recall}.
- **Limits**: ten German actors reading ten neutral sentences; expect lower accuracy on
  spontaneous speech, other languages, noisy or telephone audio. Not for decisions about people.
- **Licences**: EmoDB is free for research; {licence}.
"""
    from affectlab.core.files import write_text

    write_text(text, path / "MODEL_CARD.md")


__all__ = ["corpus_features", "default_cache_dir", "train_emodb"]
