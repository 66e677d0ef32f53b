"""Judges, expression accuracy and fluency measures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.errors import UnknownNameError
from affectlab.lm.model.fluency import distinct_n, repetition_rate, reply_perplexity
from affectlab.lm.model.judges import expression_accuracy, get_judge, lexicon_judge


def test_lexicon_judge_counts_emotion_words():
    probs, labels = lexicon_judge()(["I am furious and outraged about this!",
                                     "The meeting is on Tuesday at noon.", ""])
    assert labels[probs[0].argmax()] == "anger"
    assert labels[probs[1].argmax()] == "neutral"
    assert np.isnan(probs[2]).all()
    assert np.allclose(probs[:2].sum(axis=1), 1.0)


def test_expression_accuracy_maps_happiness_to_joy_and_fails_unjudged():
    labels = ["anger", "joy", "neutral"]
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [np.nan] * 3, [0.2, 0.3, 0.5]])
    acc = expression_accuracy(probs, labels, ["anger", "happiness", "anger", "happiness"])
    assert acc["accuracy"] == 0.5
    assert acc["per_emotion"] == {"anger": 0.5, "happiness": 0.5}
    assert acc["top"] == ["anger", "joy", None, "neutral"]
    with pytest.raises(ValueError, match="not judge labels"):
        expression_accuracy(probs, labels, ["fear"] * 4)
    with pytest.raises(ValueError, match="targets"):
        expression_accuracy(probs, labels, ["anger"])


def test_judges_by_name():
    assert callable(get_judge("lexicon"))
    with pytest.raises(UnknownNameError, match="classifier"):
        get_judge("oracle")


def test_repetition_and_diversity():
    assert repetition_rate("the cat sat on the mat") == 0.0
    assert repetition_rate("go go go go go") == pytest.approx(1 - 1 / 3)
    assert repetition_rate("hi") == 0.0
    assert distinct_n(["a b", "a b"], 2) == 0.5
    with pytest.raises(ValueError):
        repetition_rate("x", 0)


def test_reply_perplexity_scores_only_the_reply_tokens():
    lm = tiny_model("llama", n_layers=2)
    prompt, reply = "tell me about my week", "my week is good"
    got = reply_perplexity(lm, [prompt, prompt], [reply, " "], system="hello")
    assert np.isnan(got[1])
    head = lm.tokenizer(lm.format([prompt], chat=True, system="hello")[0],
                        add_special_tokens=False)["input_ids"]
    body = lm.tokenizer(reply, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([head + body])
    with torch.inference_mode():
        logp = torch.log_softmax(lm.model(input_ids=ids).logits[0].float(), -1)
    nll = [-logp[len(head) - 1 + t, body[t]].item() for t in range(len(body))]
    assert got[0] == pytest.approx(float(np.exp(np.mean(nll))), rel=1e-4)
    with lm.hooks(edit={"blocks.0.mlp.out": lambda x: None}), \
            pytest.raises(RuntimeError, match="unmodified"):
        reply_perplexity(lm, [prompt], [reply])
