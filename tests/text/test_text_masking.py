"""LEIA-style emotion-word masking: whole words, emotion words far more often, never specials."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.text import EmotionWordMasker, emotion_words
from affectlab.text.encoder import load_encoder


@pytest.fixture(scope="module")
def tokenizer():
    return load_encoder()[0]


def test_vocabulary_has_emotion_words_and_inflections():
    words = emotion_words()
    assert {"angry", "furious", "happy", "sad", "afraid"} <= words
    assert "table" not in words and "neutral" not in words


def test_emotion_words_are_masked_more_often(tokenizer):
    masker = EmotionWordMasker(tokenizer, p_emotion=0.5, p_other=0.05, seed=1)
    planned = masker.plan(["I was furious about the delayed train"] * 400)
    _ids, wid, is_emotion = planned[0]
    assert is_emotion.sum() == 1
    furious = np.flatnonzero(is_emotion[wid.clip(0)] & (wid >= 0))
    other = np.flatnonzero(~is_emotion[wid.clip(0)] & (wid >= 0))
    masked = np.stack(masker.apply(planned)) == tokenizer.mask_token_id
    assert 0.4 < masked[:, furious].mean() < 0.6
    assert 0.02 < masked[:, other].mean() < 0.08
    # [CLS] and [SEP] are never masked
    assert not masked[:, 0].any() and not masked[:, -1].any()


def test_a_word_is_masked_whole(tokenizer):
    masker = EmotionWordMasker(tokenizer, p_emotion=1.0, p_other=0.0)
    (ids, wid, is_emotion), = masker.plan(["she felt exasperation"])
    out = masker.apply([(ids, wid, is_emotion)])[0]
    word = is_emotion[wid.clip(0)] & (wid >= 0)
    assert word.sum() >= 2  # "exasperation" is several word pieces
    assert (out[word] == tokenizer.mask_token_id).all()
    assert (out[~word] == ids[~word]).all()
    assert "[MASK]" in masker.mask_texts(["I am so happy"])[0]


def test_bad_probabilities_are_refused(tokenizer):
    with pytest.raises(ValueError, match="p_emotion"):
        EmotionWordMasker(tokenizer, p_emotion=1.5)
