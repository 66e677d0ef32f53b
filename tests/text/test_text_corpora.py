"""The corpora in one label space: mapping through the ontology, repair, de-duplication, mixing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectlab.text import corpora


def test_repair_fixes_mojibake_entities_and_whitespace():
    assert corpora.repair("caf\u00c3\u00a9  &amp; more\n\ttext ") == "café & more text"


def test_text_key_ignores_case_and_punctuation():
    assert corpora.text_key("Hello,   WORLD!!") == corpora.text_key("hello world") == "hello world"


@pytest.mark.parametrize(("corpus", "labels"), [
    ("tweeteval", ["anger", "joy", "sadness"]),
    ("carer", ["anger", "fear", "joy", "sadness", "surprise"]),
    ("isear", ["anger", "disgust", "fear", "joy", "sadness"]),
    ("emoint", ["anger", "fear", "joy", "sadness"]),
    ("crowdflower", ["anger", "fear", "joy", "sadness", "surprise", "neutral"]),
    ("goemotions", ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]),
])
def test_reachable_labels_in_ekman7(corpus, labels):
    assert corpora.reachable(corpus) == labels


def _frame(texts, labels, split=None):
    return pd.DataFrame({"text": texts, "labels": labels, "split": [split] * len(texts)})


def test_in_space_keeps_rows_with_one_target_label():
    f = _frame(["I love it", "grrr", "so happy and hopeful", "mixed", "I LOVE it!", "  "],
               [["joy"], ["anger"], ["joy", "optimism"], ["joy", "anger"], ["joy"], ["joy"]],
               "train")
    rows = corpora.in_space("tweeteval", f)
    assert rows["text"].tolist() == ["I love it", "grrr", "so happy and hopeful"]
    assert rows["label"].tolist() == ["joy", "anger", "joy"]
    # disgust stays disgust (Parrott's tree would also reach anger)
    g = corpora.in_space("isear", _frame(["yuck"], [["disgust"]]))
    assert g["label"].tolist() == ["disgust"]


def _rows(texts, labels):
    return pd.DataFrame({"text": texts, "label": labels,
                         "key": [corpora.text_key(t) for t in texts]})


def test_mix_drops_excluded_and_cross_corpus_duplicates():
    a = _rows(["one", "two", "three"], ["joy", "anger", "joy"])
    b = _rows(["TWO!", "four", "five"], ["sadness", "sadness", "anger"])
    parts = corpora.mix({"tweeteval": a, "crowdflower": b}, exclude=["three"])
    assert parts[0].texts == ["one", "two"]
    assert parts[1].texts == ["four", "five"]  # "TWO!" was taken from tweeteval
    assert parts[1].report == {"rows": 3, "duplicates_dropped": 1, "used": 2}
    assert parts[1].weight == 0.5 and parts[0].weight == 1.0
    assert parts[0].allowed == ["anger", "joy", "sadness"]


def test_mix_balances_corpora():
    big = _rows([f"big {i}" for i in range(50)], ["joy"] * 50)
    small = _rows([f"small {i}" for i in range(8)], ["anger"] * 8)
    parts = corpora.mix({"carer": big, "tweeteval": small}, per_corpus=20, seed=1)
    assert len(parts[0].texts) == 20 and len(set(parts[0].texts)) == 20
    assert len(parts[1].texts) == 16  # drawn again, up to twice its size
    assert set(parts[1].texts) == set(small["text"])


def test_rated_rows_scale_and_unrated_dimension():
    fb = pd.DataFrame({"text": ["good", "bad", ""], "valence": [9.0, 1.0, 5.0],
                       "arousal": [5.0, 1.0, 5.0]})
    texts, y = corpora.rated_rows("fb_va", fb)
    assert texts == ["good", "bad"]
    np.testing.assert_allclose(y[:, :2], [[1.0, 0.0], [-1.0, -1.0]])
    assert np.isnan(y[:, 2]).all()
    eb = pd.DataFrame({"text": ["a"], "valence": [5.0], "arousal": [3.0], "dominance": [1.0]})
    np.testing.assert_allclose(corpora.rated_rows("emobank", eb)[1], [[1.0, 0.0, -1.0]])
    with pytest.raises(ValueError, match="emobank"):
        corpora.rated_rows("carer", fb)


def test_real_corpora_split_and_map(data_dir):
    """Every labelled corpus reaches Ekman-7; the 80/20 cut of ISEAR is disjoint and whole."""
    tr, te = corpora.train_test("isear", data_dir=data_dir)
    assert abs(len(te) / (len(tr) + len(te)) - 0.2) < 0.001
    assert not set(tr["key"]) & set(te["key"])
    # ISEAR: 7,666 rows of 7 emotions, about 1,095 each; shame and guilt go to sadness
    assert 7000 < len(tr) + len(te) <= 7666
    assert set(tr["label"]) == {"anger", "disgust", "fear", "joy", "sadness"}
    tr, te = corpora.train_test("tweeteval", data_dir=data_dir)
    assert set(te["label"]) == {"anger", "joy", "sadness"}
    assert len(te) == 1420  # 1,421 official test tweets (one text twice); optimism is joy
