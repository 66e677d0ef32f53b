"""The real corpora in ../shared/data (or AFFECTLAB_DATA): counts, columns, labels, artefacts.

Each test skips with a reason when its corpus is absent (a fresh clone); CI always has the data.
Frames are loaded once per session and shared read-only between tests.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from affectlab import datasets
from affectlab.datasets.summary import locate

# Published sizes, from ../shared/data/README.md (kept here independently of the registry).
EXPECTED_SPLITS: dict[str, dict[str, int]] = {
    "goemotions": {"train": 43410, "dev": 5426, "test": 5427},
    "carer": {"train": 16000, "dev": 2000, "test": 2000},
    "tweeteval": {"train": 3257, "dev": 374, "test": 1421},
    "emobank": {"train": 8062, "dev": 1000, "test": 1000},
    "isear": {"all": 7666},
    "meld": {"train": 9989, "dev": 1109, "test": 2610},
    "emoint": {"train": 3613, "dev": 347, "test": 3142},
    "fb_va": {"all": 2894},
    "crowdflower": {"all": 40000},
    "emodb": {"all": 535},
    "emomusic": {"all": 744},
    "vgmidi": {"all": 204},
    "fer2013": {"train": 25060, "dev": 4937, "test": 5890},
    "ckplus": {"all": 981},
    "facial_expressions": {"all": 5126},
    "crema_d": {"all": 7442},
    "liris_accede": {"train": 2450, "dev": 2450, "test": 4900},
}
CLASS_LABELS: dict[str, set[str]] = {
    "carer": {"sadness", "joy", "love", "anger", "fear", "surprise"},
    "tweeteval": {"anger", "joy", "optimism", "sadness"},
    "isear": {"joy", "fear", "anger", "sadness", "disgust", "shame", "guilt"},
    "meld": {"neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear"},
    "emodb": {"anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"},
    "crowdflower": {"anger", "boredom", "empty", "enthusiasm", "fun", "happiness", "hate", "love",
                    "neutral", "relief", "sadness", "surprise", "worry"},
}  # fmt: skip
TEXT_CORPORA = ["goemotions", "carer", "tweeteval", "emobank", "isear", "meld", "emoint",
                "fb_va", "crowdflower"]  # fmt: skip
MOJIBAKE_MARKERS = r"â€|Ã¢|Ã©|Ã¯|\x92|\x85|ï¿½"


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Extract VGMIDI phrases into a temporary cache, not the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AFFECTLAB_CACHE", str(tmp_path_factory.mktemp("affectlab-cache")))
        yield
    _load.cache_clear()


@functools.cache
def _load(name: str) -> pd.DataFrame:
    return datasets.load(name)


def corpus(name: str) -> pd.DataFrame:
    """The corpus as loaded once per session, or a skip that says how to provide it."""
    if locate(name) is None:
        pytest.skip(
            f"corpus {name!r} not found: set AFFECTLAB_DATA to the folder holding the corpora "
            "or place them at ../shared/data"
        )
    return _load(name)


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_split_sizes_match_the_published_counts(name: str) -> None:
    df = corpus(name)
    assert datasets.summary.split_sizes(df) == EXPECTED_SPLITS[name]
    assert datasets.info(name).expected_splits == EXPECTED_SPLITS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_common_columns_and_unique_ids(name: str) -> None:
    df = corpus(name)
    assert tuple(df.columns[:6]) == datasets.COMMON_COLUMNS
    assert df["id"].is_unique and df["id"].map(type).eq(str).all()
    assert df["labels"].map(lambda v: isinstance(v, list)).all()
    assert df["split"].isin(["train", "dev", "test"]).all() or df["split"].isna().all()


@pytest.mark.parametrize("name", sorted(CLASS_LABELS))
def test_label_sets_equal_the_scheme(name: str) -> None:
    df = corpus(name)
    assert set(df["labels"].explode()) == CLASS_LABELS[name]
    assert df["labels"].map(len).eq(1).all()  # single-label corpora


@pytest.mark.parametrize("name", TEXT_CORPORA)
def test_texts_are_present_and_clean(name: str) -> None:
    df = corpus(name)
    assert df["text"].map(lambda t: isinstance(t, str) and t.strip() != "").all()
    if name in ("meld", "fb_va", "crowdflower"):  # the corpora whose text gets repaired
        assert not df["text"].str.contains(MOJIBAKE_MARKERS).any()


def test_goemotions_is_multilabel_over_28_labels() -> None:
    df = corpus("goemotions")
    assert set(df["labels"].explode()) == set(datasets.info("goemotions").label_names)
    assert df["labels"].map(len).max() > 1
    assert df["labels"].map(len).min() == 1


def test_split_argument_selects_one_split() -> None:
    corpus("goemotions")
    dev = datasets.load("goemotions", split="dev")
    assert len(dev) == 5426 and set(dev["split"]) == {"dev"}


def test_isear_artefacts_are_gone() -> None:
    df = corpus("isear")
    assert not df["text"].str.contains("á").any()
    assert not df["text"].str.contains(r"[|\\]").any()
    assert df["subject"].notna().all()
    assert df["labels"].map(lambda v: v[0]).value_counts().between(1090, 1100).all()


def test_meld_speakers_dialogues_and_sentiment() -> None:
    df = corpus("meld")
    assert df["subject"].notna().all()
    assert set(df["sentiment"]) == {"neutral", "positive", "negative"}
    assert df["dialogue"].dtype == "int64" and df["utterance"].dtype == "int64"
    assert (
        df.loc[df["id"] == "train_dia0_utt1", "text"].item() == "You must’ve had your hands full."
    )


def test_emodb_speakers_classes_and_files() -> None:
    df = corpus("emodb")
    assert df["subject"].nunique() == 10
    counts = df["labels"].map(lambda v: v[0]).value_counts().to_dict()
    assert counts == {"anger": 127, "boredom": 81, "neutral": 79, "happiness": 71, "fear": 69,
                      "sadness": 62, "disgust": 46}  # fmt: skip
    assert df["path"].map(lambda p: Path(p).is_file()).all()
    assert df["text"].notna().all() and df["recognition_pct"].ge(80).all()


def test_emodb_is_the_original_recordings() -> None:
    """The original EmoDB: 16 kHz mono, 1.2-9.0 s (median about 2.6 s, 1,487 s in all), the
    published durations of three files. A copy cut or padded to one length (a damaged copy of
    this corpus was once every file at exactly 2.0 s, resampled to 22.05 kHz) fails here."""
    import soundfile as sf

    df = corpus("emodb")
    info = {Path(p).stem: sf.info(p) for p in df["path"]}
    assert {i.samplerate for i in info.values()} == {16000}
    assert {i.channels for i in info.values()} == {1}
    seconds = pd.Series({k: i.frames / i.samplerate for k, i in info.items()})
    assert 1.2 < seconds.min() < 1.3 and 8.9 < seconds.max() < 9.0
    assert 2.5 < seconds.median() < 2.7 and 1480 < seconds.sum() < 1495
    assert seconds.round(2).nunique() > 200 and seconds.std() > 0.8  # durations vary
    for name, published in {"03a01Fa": 1.898, "03a01Nc": 1.611, "03a01Wa": 1.878}.items():
        assert abs(seconds[name] - published) < 0.01, name


def test_emobank_dimensions_and_genre() -> None:
    df = corpus("emobank")
    for dim in ("valence", "arousal", "dominance"):
        assert df[dim].dtype == float and df[dim].between(1, 5).all()
    assert df["genre"].notna().all()
    assert df["labels"].map(len).eq(0).all()


def test_emoint_per_emotion_sizes_and_range() -> None:
    df = corpus("emoint")
    sizes = df.groupby(["emotion", "split"]).size().to_dict()
    assert sizes == {
        ("anger", "train"): 857, ("anger", "dev"): 84, ("anger", "test"): 760,
        ("fear", "train"): 1147, ("fear", "dev"): 110, ("fear", "test"): 995,
        ("joy", "train"): 823, ("joy", "dev"): 79, ("joy", "test"): 714,
        ("sadness", "train"): 786, ("sadness", "dev"): 74, ("sadness", "test"): 673,
    }  # fmt: skip
    assert df["intensity"].between(0, 1).all()


def test_fb_va_ratings() -> None:
    df = corpus("fb_va")
    for dim in ("valence", "arousal"):
        assert df[dim].between(1, 9).all()
        assert (df[dim] == (df[f"{dim}_1"] + df[f"{dim}_2"]) / 2).all()


def test_crowdflower_subjects() -> None:
    df = corpus("crowdflower")
    assert df["subject"].notna().all()


def test_emomusic_static_and_dynamic() -> None:
    df = corpus("emomusic")
    assert df["valence"].between(1, 9).all() and df["arousal"].between(1, 9).all()
    clips = df["path"].dropna()
    assert len(clips) == 10 and clips.map(lambda p: Path(p).is_file()).all()
    dyn = datasets.load_emomusic_dynamic()
    assert dyn["song_id"].nunique() == 744
    assert dyn["time_s"].min() == 15.0 and dyn["time_s"].max() == 45.0
    assert dyn[["valence", "arousal"]].abs().le(1).all().all()
    assert set(dyn["song_id"]) == set(df["id"])


def test_vgmidi_phrases_and_pieces() -> None:
    df = corpus("vgmidi")
    assert df["piece"].nunique() == 200
    assert df["valence"].isin([-1, 1]).all() and df["arousal"].isin([-1, 1]).all()
    assert df["path"].map(lambda p: p is not None and Path(p).is_file()).all()
    assert df["piece_path"].notna().all()


# Per-class counts as published in each copy's SOURCE.md.
FACE_CLASSES = {
    "fer2013": {"angry": 4953, "disgust": 547, "fear": 5121, "happy": 8989, "neutral": 6198,
                "sad": 6077, "surprise": 4002},
    "ckplus": {"anger": 135, "contempt": 54, "disgust": 177, "fear": 75, "happy": 207,
               "sadness": 84, "surprise": 249},
    "facial_expressions": {"anger": 252, "surprise": 368, "disgust": 208, "fear": 21,
                           "neutral": 2000, "happiness": 2000, "sadness": 268, "contempt": 9},
}


@pytest.mark.parametrize("name", sorted(FACE_CLASSES))
def test_face_corpora_class_counts(name: str) -> None:
    df = corpus(name)
    assert df["labels"].map(lambda v: v[0]).value_counts().to_dict() == FACE_CLASSES[name]
    assert df["path"].map(lambda p: Path(p).is_file()).all()


@pytest.mark.parametrize("name", ["fer2013", "ckplus"])
def test_face_crops_are_48x48_grayscale(name: str) -> None:
    from PIL import Image

    df = corpus(name)
    for path in df["path"].sample(200, random_state=0):
        with Image.open(path) as im:
            assert im.size == (48, 48) and im.mode == "L", path


def test_ckplus_subjects_and_sequences() -> None:
    df = corpus("ckplus")
    assert df["subject"].nunique() == 118 and df["sequence"].nunique() == 327
    assert df.groupby("sequence")["labels"].agg(lambda v: len({x[0] for x in v})).eq(1).all()
    assert df.groupby("sequence").size().eq(3).all()


def test_facial_expressions_persons_and_sizes() -> None:
    from PIL import Image

    df = corpus("facial_expressions")
    assert df["subject"].notna().all() and df["subject"].nunique() > 2500
    sizes = [Image.open(p).size for p in df["path"].sample(300, random_state=0)]
    assert sum(s == (175, 175) for s in sizes) / len(sizes) > 0.8  # most are 175x175
