"""The vocabulary builder: real encoder, real norms; its output reproduces the shipped files."""

from __future__ import annotations

import json

import pytest

from affectlab.ontology.build import BuildSettings, build, write
from affectlab.ontology.model import _read_data

pytest.importorskip("sentence_transformers", reason="needs the embed extra")


@pytest.fixture(scope="module")
def full_build(data_dir):
    return build(data_dir=data_dir)


def test_assigns_words_to_the_right_nodes(data_dir):
    words = ["furious", "cheerful", "lonely", "terrified", "mortgagor", "table"]
    result = build(data_dir=data_dir, words=words)
    where = {w: n for n, ws in result.vocabulary.items() for w, _ in ws}
    assert where["furious"] == "fury"
    assert where["cheerful"] == "cheerfulness"
    assert where["lonely"] == "loneliness"
    assert "mortgagor" not in where  # curated out
    assert "table" not in where  # too far from every emotion
    assert where["admire"] == "adoration"  # pinned by curation


def test_threshold_controls_how_much_is_assigned(data_dir):
    words = ["furious", "cheerful", "glad", "worried", "hopeful", "sunny", "quarrel"]
    loose = build(data_dir=data_dir, words=words, settings=BuildSettings(threshold=0.3))
    strict = build(data_dir=data_dir, words=words, settings=BuildSettings(threshold=0.7))
    assert loose.meta["assigned"] > strict.meta["assigned"]


def test_rebuild_reproduces_the_shipped_vocabulary(full_build, tmp_path):
    shipped = json.loads(_read_data("vocabulary.json"))["nodes"]
    threshold = full_build.meta["settings"]["threshold"]
    rebuilt = {w: n for n, ws in full_build.vocabulary.items() for w, _ in ws}
    for node, words in shipped.items():
        for word, score in words:
            if score > threshold + 1e-3:  # borderline scores may flip across BLAS builds
                assert rebuilt.get(word) == node, word
    paths = write(full_build, tmp_path)
    assert {p.name for p in paths} == {"vocabulary.json", "vad.json"}
    assert not list(tmp_path.glob("*.tmp"))


def test_every_node_gets_coordinates(full_build):
    from affectlab.ontology.model import read_tree

    assert set(full_build.vad) == set(read_tree())
    assert full_build.words_vad["boredom"][1] < 0  # boredom is low-arousal


def test_missing_norms_say_where_to_look(tmp_path):
    with pytest.raises(FileNotFoundError, match="AFFECTLAB_DATA"):
        build(data_dir=tmp_path, words=["glad"])
