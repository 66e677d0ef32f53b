"""Zero-shot prompting baseline on tiny random models: scores are label log-probs, argmax wins."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.lm.probing.zeroshot import ZeroShotResult, build_prompt, zero_shot

TEXTS = ["i am so happy today", "this is sad news about my dog", "hello",
         "what a surprise you tell me about the week at work"]
LABELS = ["happy", "sad", "so angry"]  # "so angry" is two tokens


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def lm(request):
    return tiny_model(request.param)


def _manual_logprob(lm, text: str, label: str, chat: bool = True) -> float:
    prompt = build_prompt(text, LABELS)
    prompt = lm.format([prompt], chat=True)[0] if chat else prompt + "\nEmotion:"
    answer = label if chat else " " + label
    p = lm.tokenizer(prompt)["input_ids"]
    a = lm.tokenizer(answer, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([p + a])).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    return float(sum(logp[len(p) + j - 1, t] for j, t in enumerate(a)))


def test_scores_equal_hand_computed_label_logprobs(lm):
    res = zero_shot(lm, TEXTS, LABELS, batch_size=3)  # padded batches of unequal lengths
    assert res.scores.shape == (len(TEXTS), len(LABELS))
    assert res.n_label_tokens == [1, 1, 2]
    for i in (0, 3):
        for j, label in enumerate(LABELS):
            assert res.scores[i, j] == pytest.approx(_manual_logprob(lm, TEXTS[i], label),
                                                     abs=1e-4)
    raw = zero_shot(lm, TEXTS[:2], LABELS, chat=False)
    assert raw.scores[1, 2] == pytest.approx(_manual_logprob(lm, TEXTS[1], LABELS[2], False),
                                             abs=1e-4)


def test_predictions_are_argmax_and_batching_does_not_matter(lm):
    one = zero_shot(lm, TEXTS, LABELS, batch_size=1)
    many = zero_shot(lm, TEXTS, LABELS, batch_size=16)
    np.testing.assert_allclose(one.scores, many.scores, atol=1e-4)
    assert many.predictions == [LABELS[j] for j in many.scores.argmax(1)]
    assert (many.scores < 0).all()
    norm = zero_shot(lm, TEXTS, LABELS, normalize=True)
    np.testing.assert_allclose(norm.scores, many.scores / np.array([1, 1, 2]), atol=1e-4)
    assert norm.predictions == [LABELS[j] for j in norm.scores.argmax(1)]
    p = many.probabilities()
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert "i am so happy today" in many.example_prompt


def test_score_accuracy_macro_f1_and_prior_bias():
    res = ZeroShotResult(labels=["a", "b", "c"], scores=np.zeros((4, 3)),
                         predictions=["a", "a", "b", "a"], n_label_tokens=[1, 1, 1])
    assert res.prior_bias == {"a": 0.75, "b": 0.25, "c": 0.0}
    assert res.accuracy(["a", "b", "b", "c"]) == 0.5
    out = res.score(["a", "b", "b", "c"])
    # F1: a = 2*1/(3+1) = 0.5, b = 2*1/(1+2) = 2/3, c = 0
    assert out["accuracy"] == 0.5 and out["n"] == 4
    assert out["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    json.dumps(res.to_dict())
    with pytest.raises(ValueError, match="not among"):
        res.score(["a", "b", "b", "zzz"])
    with pytest.raises(ValueError, match="3 true labels"):
        res.accuracy(["a", "b", "c"])


def test_long_texts_are_cut_at_their_end_keeping_the_answer_position(lm):
    long_text = " ".join(["my dog is sad"] * 60)  # 240 words; the tiny models read 128 tokens
    with pytest.warns(UserWarning, match="1 of 2 texts"):
        res = zero_shot(lm, [long_text, "hello"], LABELS)
    assert res.example_prompt.rstrip().endswith("assistant")
    assert np.isfinite(res.scores).all()


def test_bad_inputs_raise(lm):
    with pytest.raises(ValueError, match="no texts"):
        zero_shot(lm, [], LABELS)
    with pytest.raises(ValueError, match="at least 2 labels"):
        zero_shot(lm, TEXTS, ["happy"])
    with pytest.raises(ValueError, match="distinct"):
        zero_shot(lm, TEXTS, ["happy", "happy"])
    with pytest.raises(TypeError):
        zero_shot(lm, [1, 2], LABELS)
