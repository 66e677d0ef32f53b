"""The two multimodal corpora against their published facts: CREMA-D's 7,442 clips of 91
actors (1,271 per emotion, 1,087 neutral; 12 sentences; three intensity levels on one
sentence), three rating conditions per clip; LIRIS-ACCEDE's 9,800 excerpts in the official
2,450 / 2,450 / 4,900 sets, with an audio and a visual feature vector each."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab import datasets
from affectlab.datasets.multimodal import (
    AUDIO_FEATURES,
    CREMA_LABELS,
    VISUAL_FEATURES,
    modality_matrix,
    vote_distributions,
)
from affectlab.datasets.summary import locate


def _corpus(name: str):
    if locate(name) is None:
        pytest.skip(f"corpus {name!r} not found: set AFFECTLAB_DATA or place the corpora at "
                    "../shared/data")
    return datasets.load(name)


@pytest.fixture(scope="module")
def crema():
    return _corpus("crema_d")


@pytest.fixture(scope="module")
def liris():
    return _corpus("liris_accede")


def test_crema_d_counts(crema):
    assert len(crema) == 7442 and crema["subject"].nunique() == 91
    intended = crema["labels"].map(lambda v: v[0]).value_counts().to_dict()
    assert intended == {**{e: 1271 for e in CREMA_LABELS if e != "neutral"}, "neutral": 1087}
    assert crema["sentence"].nunique() == 12
    levels = crema["level"].value_counts().to_dict()
    assert levels == {"unspecified": 6077, "low": 455, "medium": 455, "high": 455}
    assert set(crema["sex"]) == {"Male", "Female"}
    assert (crema.groupby("subject")["sex"].first() == "Female").sum() == 43  # 48 men, 43 women


def test_crema_d_votes(crema):
    for m in ("voice", "face", "av"):
        counts = np.stack(crema[f"{m}_votes"].to_numpy())
        assert counts.shape == (7442, 6) and (counts >= 0).all()
        assert (counts.sum(1) == crema[f"{m}_n"].to_numpy()).all()
        p = vote_distributions(crema, m)
        np.testing.assert_allclose(p.sum(1), 1.0)
        top = {CREMA_LABELS[i] for i in p.argmax(1)}
        assert top == set(CREMA_LABELS)
        # the published majority vote is the argmax (ties list every tied emotion)
        first = [v.split(":") for v in crema[f"{m}_vote"]]
        assert np.mean([CREMA_LABELS[i] in f for i, f in zip(p.argmax(1), first,
                                                              strict=True)]) == 1.0
    assert 8.5 < crema["av_n"].mean() < 10.5  # about ten raters per clip and condition


def test_liris_accede_sets_and_features(liris):
    assert liris["split"].value_counts().to_dict() == {"test": 4900, "train": 2450,
                                                       "dev": 2450}
    audio, visual = modality_matrix(liris, "audio"), modality_matrix(liris, "visual")
    assert audio.shape == (9800, len(AUDIO_FEATURES)) and visual.shape == (9800,
                                                                           len(VISUAL_FEATURES))
    assert np.isfinite(audio).all() and np.isfinite(visual).all()
    assert liris["name"].str.fullmatch(r"ACCEDE\d{5}\.mp4").all()
    for dim in ("valence", "arousal"):
        assert liris[dim].between(1.0, 5.0).all()
        assert sorted(liris[f"{dim}_rank"]) == list(range(9800))  # ranks are a permutation
    with pytest.raises(ValueError):
        modality_matrix(liris, "text")
    assert len(datasets.load("liris_accede", split="dev")) == 2450
