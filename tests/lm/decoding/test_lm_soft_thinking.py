"""Soft Thinking: filters in the authors' order, exact equivalences, Cold Stop on a scripted model."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.lm.decoding.generation import generate
from affectlab.lm.decoding.soft_thinking import (
    ColdStop,
    SoftThinkingConfig,
    add_noise,
    concept_embedding,
    filter_probs,
    think_and_answer,
)

MARK = "news"  # a word of the tiny vocabulary serves as the end-of-thinking marker


def cfg(**kw) -> SoftThinkingConfig:
    kw.setdefault("think_end", MARK)
    return SoftThinkingConfig(**kw)


# ---- the filters -----------------------------------------------------------------------------
def test_filters_apply_in_order_and_renormalise():
    probs = torch.tensor([0.40, 0.25, 0.15, 0.10, 0.06, 0.03, 0.01])
    logits = torch.log(probs)
    ids, w, h = filter_probs(logits, cfg(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0,
                                         top_n=10))
    assert ids.tolist() == list(range(7)) and torch.allclose(w, probs / probs.sum())
    assert h == pytest.approx(float(-(probs * probs.log()).sum()), rel=1e-5)
    # top-k 5 keeps 0.96 of the mass; top-p runs on that renormalised: the mass before each
    # token is 0, .417, .677, .833, so 0.7 keeps the crossing token 2, and 0.66 stops before it
    # (on the raw mass, .65 < .66, it would have been kept)
    ids, w, _ = filter_probs(logits, cfg(temperature=1.0, top_k=5, top_p=0.7, min_p=0.0))
    assert ids.tolist() == [0, 1, 2] and float(w.sum()) == pytest.approx(1.0)
    ids, _, _ = filter_probs(logits, cfg(temperature=1.0, top_k=5, top_p=0.66, min_p=0.0))
    assert ids.tolist() == [0, 1]
    # min-p 0.2 drops p < 0.08: tokens 4.. go
    ids, _, _ = filter_probs(logits, cfg(temperature=1.0, top_k=0, top_p=1.0, min_p=0.2))
    assert ids.tolist() == [0, 1, 2, 3]
    # top-n last
    ids, w, _ = filter_probs(logits, cfg(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0,
                                         top_n=2))
    assert ids.tolist() == [0, 1] and torch.allclose(w, torch.tensor([0.4, 0.25]) / 0.65)


def test_entropy_is_of_the_tempered_full_distribution():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    _, _, h = filter_probs(logits, cfg(temperature=0.5, top_n=1))
    p = torch.softmax(logits / 0.5, 0)
    assert h == pytest.approx(float(-(p * p.log()).sum()), rel=1e-6)


def test_noise_keeps_the_support_and_is_seeded():
    w = torch.tensor([0.6, 0.3, 0.1])
    for kind in ("gumbel", "dirichlet"):
        c = cfg(noise=kind)
        a = add_noise(w, c, torch.Generator().manual_seed(1))
        b = add_noise(w, c, torch.Generator().manual_seed(1))
        assert torch.allclose(a, b) and float(a.sum()) == pytest.approx(1.0)
        assert (a >= 0).all() and not torch.allclose(a, w)
    assert add_noise(w, cfg(), None) is w


def test_concept_embedding_is_the_weighted_mixture():
    emb = torch.randn(10, 4)
    ids, w = torch.tensor([3, 7]), torch.tensor([0.75, 0.25])
    assert torch.allclose(concept_embedding(emb, ids, w), 0.75 * emb[3] + 0.25 * emb[7])


@pytest.mark.parametrize("bad", [{"top_n": 0}, {"temperature": 0}, {"top_p": 1.5},
                                 {"min_p": 1.0}, {"noise": "uniform"}, {"cold_stop_steps": 0},
                                 {"think_end": ""}, {"max_answer_tokens": 0}])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        SoftThinkingConfig(**bad)


# ---- exactness on real networks ----------------------------------------------------------------
@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_top_n_one_is_greedy_decoding(family):
    lm = tiny_model(family)
    ids = lm.tokenizer.encode("tell me about my dog", add_special_tokens=False)
    c = cfg(top_n=1, cold_stop=False, max_think_tokens=12, think_end="<unk>")
    r = think_and_answer(lm.model, lm.tokenizer, ids, c)
    with torch.inference_mode():
        greedy = lm.model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False,
                                   pad_token_id=lm.tokenizer.pad_token_id)[0, len(ids):].tolist()
    n = len(r.thinking_ids)
    assert n > 0 and r.thinking_ids == greedy[:n]
    discrete = think_and_answer(lm.model, lm.tokenizer, ids, c, mode="discrete")
    assert discrete.thinking_ids == r.thinking_ids and discrete.answer_ids == r.answer_ids


def test_the_fed_input_is_the_concept_mixture():
    lm = tiny_model("llama")
    net = lm.model
    seen: list[torch.Tensor] = []
    handle = net.model.layers[0].register_forward_pre_hook(
        lambda mod, args, kwargs: seen.append(
            (args[0] if args else kwargs["hidden_states"]).detach().clone()), with_kwargs=True)
    ids = lm.tokenizer.encode("i am so happy today", add_special_tokens=False)
    c = cfg(top_n=4, top_k=0, top_p=1.0, min_p=0.0, temperature=1.0, cold_stop=False,
            max_think_tokens=3, max_answer_tokens=1, think_end="<unk>")
    try:
        think_and_answer(net, lm.tokenizer, ids, c)
    finally:
        handle.remove()
    with torch.inference_mode():
        logits = net(input_ids=torch.tensor([ids])).logits[0, -1]
    top, w, _ = filter_probs(logits, c)
    expected = concept_embedding(net.get_input_embeddings().weight, top, w)
    assert len(top) == 4
    assert torch.allclose(seen[1][0, -1], expected, atol=1e-6)  # step 1 = first concept token
    assert not any(torch.allclose(expected, net.get_input_embeddings().weight[t]) for t in top)


# ---- Cold Stop on a scripted model -------------------------------------------------------------
class Scripted(torch.nn.Module):
    """Each call's next-token distribution follows a script: "low" (one token, entropy ~0) or
    "high" (uniform). Records every input it is fed."""

    def __init__(self, script: list[str], vocab: int = 8, favourite: int = 5) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 4)
        self.script, self.vocab, self.favourite = script, vocab, favourite
        self.calls: list[tuple[str, list[int] | None]] = []
        self.generation_config = SimpleNamespace(eos_token_id=None)

    def get_input_embeddings(self) -> torch.nn.Embedding:
        return self.emb

    def forward(self, input_ids=None, inputs_embeds=None, cache=None, use_cache=True):
        self.calls.append(("ids", input_ids[0].tolist()) if input_ids is not None
                          else ("embeds", None))
        step = len(self.calls) - 1
        kind = self.script[step] if step < len(self.script) else "high"
        logits = torch.zeros(1, 1, self.vocab)
        if kind == "low":
            logits[0, 0, self.favourite] = 50.0
        return SimpleNamespace(logits=logits, cache=(cache or 0) + 1)


class CharTok:
    eos_token_id = 6

    def encode(self, text, add_special_tokens=False):
        return [7] if text == "</think>" else [1]

    def decode(self, ids, skip_special_tokens=True):
        return "".join("M" if i == 7 else "x" for i in ids)


def test_cold_stop_fires_at_exactly_the_lth_low_entropy_step():
    # call 0 is the prompt; its logits give thinking step 0, call k gives step k
    script = ["high", "low", "low", "high", "low", "low", "low", "high"]
    net = Scripted(script)
    r = think_and_answer(net, CharTok(), [1, 2], SoftThinkingConfig(
        cold_stop_steps=3, entropy_threshold=0.01, max_think_tokens=50, max_answer_tokens=2))
    # low steps 4,5,6: the third in a row (step 6) becomes the marker instead of a concept
    assert r.stop_reason == "cold-stop" and len(r.thinking_ids) == 6
    assert net.calls[7] == ("ids", [7])  # the marker, fed as a token
    assert [k for k, _ in net.calls[1:7]] == ["embeds"] * 6
    assert r.entropies[1] < 0.01 < r.entropies[3]


def test_cold_stop_counter_resets_on_a_high_entropy_step():
    script = ["low", "low", "high"] * 10
    net = Scripted(script)
    r = think_and_answer(net, CharTok(), [1], SoftThinkingConfig(
        cold_stop_steps=3, max_think_tokens=20, max_answer_tokens=1))
    assert r.stop_reason == "budget" and len(r.thinking_ids) == 20
    c = ColdStop(0.5, 2)
    assert [c.update(x) for x in [0.1, 0.9, 0.1, 0.1, 0.1]] == [False, False, False, True, True]


def test_marker_in_the_top1_text_ends_thinking():
    net = Scripted(["high"] * 3 + ["low"] * 5, favourite=7)  # step 3's top-1 is the marker
    r = think_and_answer(net, CharTok(), [1], SoftThinkingConfig(
        cold_stop=False, max_think_tokens=20, max_answer_tokens=1))
    assert r.stop_reason == "marker" and r.thinking_ids[-1] == 7 and r.thinking == "xxx"
    assert net.calls[4] == ("ids", [7])


def test_budget_and_eos_endings():
    net = Scripted(["high"] * 100)
    r = think_and_answer(net, CharTok(), [1], SoftThinkingConfig(max_think_tokens=4,
                                                                 max_answer_tokens=3))
    assert r.stop_reason == "budget" and r.think_tokens == 5 and r.answer_tokens <= 3
    net = Scripted(["low"] * 3, favourite=6)  # the top token is end-of-sequence
    r = think_and_answer(net, CharTok(), [1], SoftThinkingConfig(cold_stop=False))
    assert r.stop_reason == "eos" and r.thinking_ids == [] and r.answer == ""
    assert "M" not in r.text


def test_errors_and_modes():
    net = Scripted(["high"])
    with pytest.raises(ValueError, match="empty"):
        think_and_answer(net, CharTok(), [], SoftThinkingConfig())
    with pytest.raises(ValueError, match="mode"):
        think_and_answer(net, CharTok(), [1], SoftThinkingConfig(), mode="hard")


def test_generate_dispatches_every_mode():
    lm = tiny_model("llama")
    kw = {"think_start": "tell", "chat": False}
    soft = cfg(max_think_tokens=4, max_answer_tokens=3)
    out = generate(lm, ["i am so"], mode="soft", soft=soft, details=True, **kw)
    assert out[0].think_tokens >= 1 and out[0].seconds > 0
    texts = generate(lm, ["i am so", "the dog"], mode="cot", soft=soft, **kw)
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    assert len(generate(lm, "i am so", mode="greedy", max_new_tokens=3, chat=False)) == 1
    with pytest.raises(ValueError, match="mode"):
        generate(lm, "x", mode="fast")
    with pytest.raises(ValueError, match="details"):
        generate(lm, "i am", mode="greedy", details=True)
    with pytest.raises(TypeError, match="SoftThinkingConfig"):
        generate(lm, "i am", mode="soft", max_new_tokens=3)


def test_entropy_of_uniform_is_log_vocab():
    _, _, h = filter_probs(torch.zeros(16), cfg(temperature=1.0))
    assert h == pytest.approx(math.log(16), rel=1e-6)


def test_decoding_stops_at_the_models_context_length():
    lm = tiny_model("gpt2")  # 128 positions
    ids = lm.tokenizer.encode("tell me about my dog", add_special_tokens=False)
    r = think_and_answer(lm.model, lm.tokenizer, ids, cfg(max_think_tokens=100,
                                                          max_answer_tokens=500))
    assert len(ids) + r.think_tokens + r.answer_tokens <= 128
    with pytest.raises(ValueError, match="at most 128"):
        think_and_answer(lm.model, lm.tokenizer, ids * 40, cfg())


def test_top_n_one_is_greedy_on_a_model_that_scales_its_embeddings():
    """Gemma multiplies embeddings by sqrt(d) inside the embedding module; concept tokens must
    be built from the module's output, not its raw matrix."""
    from _lm_tiny import tiny_tokenizer
    from transformers import Gemma2Config, Gemma2ForCausalLM

    tok = tiny_tokenizer()
    config = Gemma2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=48,
                          num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                          head_dim=8, max_position_embeddings=128,
                          pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                          bos_token_id=tok.bos_token_id)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = Gemma2ForCausalLM(config).eval()
    ids = tok.encode("tell me about my dog", add_special_tokens=False)
    c = cfg(top_n=1, cold_stop=False, max_think_tokens=10, think_end="<unk>")
    soft = think_and_answer(net, tok, ids, c)
    hard = think_and_answer(net, tok, ids, c, mode="discrete")
    assert soft.thinking_ids == hard.thinking_ids and len(soft.thinking_ids) > 0


def test_a_marker_merged_with_the_next_text_still_ends_thinking():
    pieces = {1: "x", 2: "</thin", 3: "k>", 4: "k>.", 5: "y", 6: "", 7: "z"}

    class PieceTok:  # "</think>" is two pieces; one token is "k>." (the marker's end + ".")
        eos_token_id = 6

        def encode(self, text, add_special_tokens=False):
            return [2, 3] if text == "</think>" else [1]

        def decode(self, ids, skip_special_tokens=True):
            return "".join(pieces[i] for i in ids)

    class Seq(Scripted):
        order = (1, 2, 4, 5, 5, 5, 5, 5)

        def forward(self, input_ids=None, inputs_embeds=None, cache=None, use_cache=True):
            out = super().forward(input_ids, inputs_embeds, cache, use_cache)
            step = len(self.calls) - 1
            out.logits[:] = 0
            out.logits[0, 0, self.order[min(step, len(self.order) - 1)]] = 50.0
            return out

    r = think_and_answer(Seq([]), PieceTok(), [1], SoftThinkingConfig(
        cold_stop=False, max_think_tokens=10, max_answer_tokens=2))
    assert r.stop_reason == "marker" and r.thinking == "x" and r.answer == "yy"


def test_answer_settings_are_checked_up_front():
    with pytest.raises(ValueError, match="answer_top_p"):
        SoftThinkingConfig(answer_top_p=0.0)
    with pytest.raises(ValueError, match="answer_top_k"):
        SoftThinkingConfig(answer_top_k=-3)
