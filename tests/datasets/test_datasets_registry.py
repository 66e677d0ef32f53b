"""Registry: names, aliases, label schemes and helpful errors for unknown names."""

from __future__ import annotations

import json

import pytest

from affectlab import datasets
from affectlab.datasets import DatasetInfo, UnknownDatasetError, info, list_datasets

EXPECTED_NAMES = [
    "goemotions", "carer", "tweeteval", "emobank", "isear", "meld", "emoint", "fb_va",
    "crowdflower", "emodb", "emomusic", "vgmidi", "fer2013", "ckplus", "facial_expressions",
    "crema_d", "liris_accede",
]  # fmt: skip

SCHEMES = {
    "goemotions": "goemotions",
    "carer": "carer6",
    "tweeteval": "tweeteval4",
    "isear": "isear7",
    "meld": "meld7",
    "emodb": "emodb7",
}


def test_list_datasets_names_every_corpus_once() -> None:
    assert list_datasets() == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_info_is_complete(name: str) -> None:
    entry = info(name)
    assert isinstance(entry, DatasetInfo)
    assert entry.name == name
    assert entry.title and entry.task and entry.modality and entry.licence and entry.citation
    assert entry.source_url.startswith("http")
    assert entry.expected_rows > 0
    assert entry.official_split == ("all" not in entry.expected_splits)
    json.dumps(entry.to_dict())  # JSON-serialisable for the CLI


@pytest.mark.parametrize(("name", "scheme"), sorted(SCHEMES.items()))
def test_schemes(name: str, scheme: str) -> None:
    assert info(name).scheme == scheme


def test_label_names_match_the_schemes() -> None:
    assert len(info("goemotions").label_names) == 28
    assert info("goemotions").label_names[0] == "admiration"
    assert info("goemotions").label_names[-1] == "neutral"
    assert info("carer").label_names == ("sadness", "joy", "love", "anger", "fear", "surprise")
    assert info("tweeteval").label_names == ("anger", "joy", "optimism", "sadness")
    assert info("isear").label_names == (
        "joy", "fear", "anger", "sadness", "disgust", "shame", "guilt",
    )  # fmt: skip
    assert info("meld").label_names == (
        "neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear",
    )  # fmt: skip
    assert info("emodb").label_names == (
        "anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral",
    )  # fmt: skip
    assert len(info("crowdflower").label_names) == 13
    for name in ("emobank", "fb_va", "emoint", "emomusic", "vgmidi"):
        assert info(name).label_names == ()


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("dair_emotion", "carer"),
        ("DAIR-emotion", "carer"),
        ("tweeteval_emotion", "tweeteval"),
        ("emoint_wassa2017", "emoint"),
        ("emomusic_1000songs", "emomusic"),
        ("crowdflower_text_emotion", "crowdflower"),
        ("fb-va", "fb_va"),
        ("EmoDB", "emodb"),
    ],
)
def test_aliases_and_folder_names_resolve(alias: str, name: str) -> None:
    assert info(alias).name == name


def test_unknown_name_lists_valid_names_and_suggestions() -> None:
    with pytest.raises(UnknownDatasetError) as excinfo:
        info("goemotion")
    message = str(excinfo.value)
    assert "Did you mean: goemotions" in message
    for name in EXPECTED_NAMES:
        assert name in message
    assert isinstance(excinfo.value, ValueError) and isinstance(excinfo.value, KeyError)


def test_unknown_name_without_close_match_has_no_suggestion() -> None:
    with pytest.raises(UnknownDatasetError, match="Valid names") as excinfo:
        datasets.load("zzzz")
    assert "Did you mean" not in str(excinfo.value)


def test_public_source_mentions_hugging_face_where_it_exists() -> None:
    assert "google-research-datasets/go_emotions" in info("goemotions").public_source
    assert "dair-ai/emotion" in info("carer").public_source
    assert "cardiffnlp/tweet_eval" in info("tweeteval").public_source


def test_label_names_agree_with_the_ontology_schemes() -> None:
    """Each corpus's label names are exactly its ontology scheme's labels, in the same order."""
    from affectlab.ontology import get_scheme

    for name in list_datasets():
        entry = info(name)
        if entry.scheme is not None:
            assert get_scheme(entry.scheme).label_names == list(entry.label_names), name
