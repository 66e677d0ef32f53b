"""Corpora with more than one modality per item (no media here, only what was measured):

- `crema_d` (folder crema_d_labels): CREMA-D perception. For each of 7,442 clips of 91 actors,
  the votes of the raters who saw the face only, heard the voice only, or had both, over six
  emotions. How two unimodal judgements combine into the audio-visual one, on real people.
- `liris_accede`: 9,800 film excerpts with induced valence and arousal, the official
  movie-disjoint sets, and per clip an audio and a visual feature vector (Baveye et al. 2015):
  two modalities of the same clips.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from affectlab.datasets._paths import corpus_dir, require_file
from affectlab.datasets._table import finalize, read_table
from affectlab.datasets.errors import DatasetFormatError

CREMA_D = "crema_d"
CREMA_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "happiness", "neutral", "sadness")
_CREMA_CODES = {"A": "anger", "D": "disgust", "F": "fear", "H": "happiness", "N": "neutral",
                "S": "sadness", "ANG": "anger", "DIS": "disgust", "FEA": "fear",
                "HAP": "happiness", "NEU": "neutral", "SAD": "sadness"}  # fmt: skip
_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
# tabulatedVotes.csv: the first digit of the row id says who rated (documented upstream)
_RATERS = {1: "voice", 2: "face", 3: "av"}
MODALITIES: tuple[str, ...] = ("voice", "face", "av")


def load_crema_d(path: str | os.PathLike[str] | None = None,
                 split: str | None = None) -> pd.DataFrame:
    """One row per clip: `labels` [the intended emotion], `subject` (actor), sentence, level,
    the actor's sex, age, race and ethnicity, and per rating condition m in voice, face, av:
    `<m>_votes` (counts over CREMA_LABELS, in that order), `<m>_n` (raters) and `<m>_vote` (the
    majority emotion(s), ties joined by ':' as published)."""
    del split
    folder = corpus_dir(CREMA_D, path)
    votes = read_table(require_file(folder, "tabulatedVotes.csv", CREMA_D), CREMA_D,
                       expected=("fileName", "A", "D", "F", "H", "N", "S", "emoVote"))
    demo = read_table(require_file(folder, "VideoDemographics.csv", CREMA_D), CREMA_D,
                      expected=("ActorID", "Age", "Sex", "Race", "Ethnicity"))
    votes["rater"] = (votes.iloc[:, 0] // 100_000).map(_RATERS)
    if votes["rater"].isna().any():
        raise DatasetFormatError(f"corpus {CREMA_D!r}: rows of tabulatedVotes.csv whose id "
                                 "does not start with 1 (voice), 2 (face) or 3 (both)")
    counts = votes[list("ADFHNS")].to_numpy(int)
    votes["counts"] = list(counts)
    votes["vote"] = [":".join(_CREMA_CODES[c] for c in str(v).split(":")) for v in votes["emoVote"]]
    wide = None
    for m in MODALITIES:
        part = votes[votes["rater"] == m].set_index("fileName")
        if part.index.duplicated().any():
            raise DatasetFormatError(f"corpus {CREMA_D!r}: a clip rated twice under {m}")
        cols = pd.DataFrame({f"{m}_votes": part["counts"], f"{m}_n": part["numResponses"],
                             f"{m}_vote": part["vote"]})
        wide = cols if wide is None else wide.join(cols, how="outer")
    assert wide is not None
    if wide.isna().any().any():
        raise DatasetFormatError(f"corpus {CREMA_D!r}: a clip lacks one of the three ratings")
    names = wide.index.to_series().str.split("_", expand=True)
    demo = demo.set_index(demo["ActorID"].astype(str))
    frame = pd.DataFrame({
        "id": wide.index, "path": None, "split": None,
        "labels": [[_CREMA_CODES[c]] for c in names[2]], "subject": names[0].to_numpy(),
        "sentence": names[1].to_numpy(), "level": names[3].map(_LEVELS).to_numpy(),
        "sex": demo["Sex"].reindex(names[0]).to_numpy(),
        "age": demo["Age"].reindex(names[0]).to_numpy(),
        "race": demo["Race"].reindex(names[0]).to_numpy(),
        "ethnicity": demo["Ethnicity"].reindex(names[0]).to_numpy(),
    })
    for column in wide.columns:
        frame[column] = wide[column].to_numpy()
    return finalize(frame, CREMA_D)


def vote_distributions(frame: pd.DataFrame, modality: str) -> np.ndarray:
    """(clips, 6) share of raters per emotion (CREMA_LABELS order) under one condition."""
    counts = np.stack(frame[f"{modality}_votes"].to_numpy()).astype(float)
    return counts / np.maximum(counts.sum(1, keepdims=True), 1.0)


LIRIS = "liris_accede"
_SETS = {1: "train", 2: "dev", 0: "test"}  # ACCEDEsets.txt: 1 learning, 2 validation, 0 test
# Baveye et al. (IEEE TAC 2015) features per clip, split by the modality they are computed on.
AUDIO_FEATURES: tuple[str, ...] = (
    "minEnergy", "alpha", "flatness_env", "slope", "asymmetry_env", "flatness", "zcr",
    *(f"wtf_max2stdratio_{i}" for i in range(1, 13)),
)  # fmt: skip
VISUAL_FEATURES: tuple[str, ...] = (
    "colorfulness", "lightning", "globalActivity", "nbWhiteFrames", "nbSceneCuts", "cutLength",
    "medianLightness", "hueCount", "maxSaliencyCount", "compositionalBalance", "depthOfField",
    "saliencyDisparity", "spatialEdgeDistributionArea", "entropyComplexity", "nbFades",
    "colorStrength", "colorRawEnergy",
)  # fmt: skip


def load_liris_accede(path: str | os.PathLike[str] | None = None,
                      split: str | None = None) -> pd.DataFrame:
    """One row per excerpt: `valence`/`arousal` (the published scores, from the crowd's
    pairwise rankings; ranks and variances beside them), the official set as train/dev/test (learning/validation/test), the film
    excerpt's name, and the audio and visual features as `audio.<name>` / `visual.<name>`."""
    folder = corpus_dir(LIRIS, path)
    kw = {"sep": "\t"}
    sets = read_table(require_file(folder, "ACCEDEsets.txt", LIRIS), LIRIS,
                      expected=("id", "name", "set"), **kw)
    rank = read_table(require_file(folder, "ACCEDEranking.txt", LIRIS), LIRIS,
                      expected=("id", "valenceValue", "arousalValue"), **kw)
    fa = read_table(require_file(folder, "ACCEDEfeaturesArousal_TAC2015.txt", LIRIS), LIRIS,
                    expected=("id",), **kw)
    fv = read_table(require_file(folder, "ACCEDEfeaturesValence_TAC2015.txt", LIRIS), LIRIS,
                    expected=("id",), **kw)
    feats = fa.set_index("id").drop(columns="name").combine_first(
        fv.set_index("id").drop(columns="name"))
    unknown = set(feats.columns) - set(AUDIO_FEATURES) - set(VISUAL_FEATURES)
    if unknown:
        raise DatasetFormatError(f"corpus {LIRIS!r}: features of no known modality: "
                                 f"{sorted(unknown)}")
    base = sets.set_index("id").join(rank.set_index("id").drop(columns="name"), how="inner")
    frame = pd.DataFrame({
        "id": base.index.astype(str), "path": None,
        "split": base["set"].map(_SETS).to_numpy(), "subject": None,
        "name": base["name"].to_numpy(),
        "valence": base["valenceValue"].astype(float).to_numpy(),
        "arousal": base["arousalValue"].astype(float).to_numpy(),
        "valence_rank": base["valenceRank"].to_numpy(),
        "arousal_rank": base["arousalRank"].to_numpy(),
        "valence_variance": base["valenceVariance"].to_numpy(),
        "arousal_variance": base["arousalVariance"].to_numpy(),
    })
    feats = feats.reindex(base.index)
    for kind, names in (("audio", AUDIO_FEATURES), ("visual", VISUAL_FEATURES)):
        for n in names:
            frame[f"{kind}.{n}"] = feats[n].astype(float).to_numpy()
    if frame["split"].isna().any():
        raise DatasetFormatError(f"corpus {LIRIS!r}: set values other than 0, 1, 2")
    if split is not None:
        frame = frame[frame["split"] == split]
    return finalize(frame, LIRIS)


def modality_matrix(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """(clips, features) of one modality ('audio' or 'visual') of a LIRIS-ACCEDE frame."""
    cols = [c for c in frame.columns if c.startswith(kind + ".")]
    if not cols:
        raise ValueError(f"no {kind!r} features in this frame: 'audio' or 'visual'")
    return frame[cols].to_numpy(float)
