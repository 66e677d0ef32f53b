"""The model handle on tiny random Llama and GPT-2 networks: site names, shapes, reads, edits."""

from __future__ import annotations

import pytest
import torch
from _lm_tiny import tiny_model

from affectlab.errors import UnknownNameError
from affectlab.lm.model.sites import BLOCK_POINTS, all_sites, parse_site, site_name

FAMILIES = ["llama", "gpt2"]
TEXTS = ["i am so happy today", "this is sad news about my dog", "hello"]


@pytest.fixture(scope="module", params=FAMILIES)
def lm(request):
    return tiny_model(request.param)


def test_site_names_parse_and_list():
    assert parse_site("blocks.2.mlp.out").layer == 2
    assert parse_site("blocks.-1.resid_post", n_layers=3).name == "blocks.2.resid_post"
    assert parse_site("embed").layer is None
    assert site_name(4, "attn.head_in") == "blocks.4.attn.head_in"
    names = all_sites(3)
    assert len(names) == 2 + 3 * len(BLOCK_POINTS) and names[0] == "embed"
    assert names[-1] == "ln_final.out"


def test_bad_site_names_say_what_is_valid():
    with pytest.raises(UnknownNameError, match="resid_post"):
        parse_site("blocks.1.resid_pots")
    with pytest.raises(IndexError, match="0..2"):
        parse_site("blocks.3.resid_post", n_layers=3)
    with pytest.raises(UnknownNameError):
        parse_site("layer3")
    with pytest.raises(TypeError):
        parse_site(3)


def test_every_site_has_the_documented_shape(lm):
    batch = lm.encode(TEXTS)
    b, s = batch["input_ids"].shape
    with lm.hooks(read=lm.sites()) as cache:
        lm.forward(batch)
    assert set(cache) == set(lm.sites())
    for name in lm.sites():
        point = parse_site(name).point
        expected = {"attn.head_in": (b, s, lm.n_heads, lm.d_head),
                    "mlp.act": (b, s, lm.d_mlp)}.get(point, (b, s, lm.d_model))
        assert tuple(cache[name].shape) == expected, name


def test_reads_agree_with_hidden_states_and_the_residual_algebra(lm):
    batch = lm.encode(TEXTS)
    with lm.hooks(read=lm.sites()) as cache, torch.no_grad():
        out = lm.model(**batch, output_hidden_states=True)
    hidden = out.hidden_states
    torch.testing.assert_close(cache["embed"], hidden[0])
    for i in range(lm.n_layers):
        pre, mid, post = (cache[f"blocks.{i}.{p}"] for p in ("resid_pre", "resid_mid",
                                                            "resid_post"))
        torch.testing.assert_close(pre, hidden[i])
        torch.testing.assert_close(mid, pre + cache[f"blocks.{i}.attn.out"])
        torch.testing.assert_close(post, mid + cache[f"blocks.{i}.mlp.out"])
        # the sublayer outputs are the stated projections of the neuron and head sites
        act = cache[f"blocks.{i}.mlp.act"]
        mlp = act @ lm.adapter.W_down(i).detach()
        heads = cache[f"blocks.{i}.attn.head_in"].flatten(-2) @ lm.adapter.W_O(i).detach()
        bias_m = getattr(lm.adapter.mlp_out_proj(i), "bias", None)
        bias_a = getattr(lm.adapter.attn_out_proj(i), "bias", None)
        mlp = mlp + (bias_m if bias_m is not None else 0)
        heads = heads + (bias_a if bias_a is not None else 0)
        torch.testing.assert_close(mlp, cache[f"blocks.{i}.mlp.out"])
        torch.testing.assert_close(heads, cache[f"blocks.{i}.attn.out"])
    torch.testing.assert_close(cache["ln_final.out"], hidden[-1])


def test_identity_edits_change_nothing_and_hooks_are_removed(lm):
    def count() -> int:
        return sum(len(m._forward_hooks) + len(m._forward_pre_hooks)
                   for m in lm.model.modules())

    batch = lm.encode(TEXTS)
    base = lm.forward(batch)
    before = count()
    with lm.hooks(edit={s: (lambda x: x.clone()) for s in lm.sites()}):
        assert count() > before
        same = lm.forward(batch)
    torch.testing.assert_close(base, same)
    assert count() == before


def test_edit_at_resid_mid_equals_the_same_edit_at_attn_out(lm):
    batch = lm.encode(TEXTS)
    v = torch.randn(lm.d_model, generator=torch.Generator().manual_seed(1))

    def add(x):
        return x + v

    with lm.hooks(edit={"blocks.1.resid_mid": add}, read=["blocks.1.resid_mid"]) as c1:
        a = lm.forward(batch)
    with lm.hooks(edit={"blocks.1.attn.out": add}, read=["blocks.1.resid_mid"]) as c2:
        b = lm.forward(batch)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(c1["blocks.1.resid_mid"], c2["blocks.1.resid_mid"], atol=1e-5,
                               rtol=1e-5)
    assert not torch.allclose(a, lm.forward(batch))


def test_zeroing_every_head_zeroes_the_attention_output(lm):
    batch = lm.encode(TEXTS)

    def zero(x):
        return torch.zeros_like(x)

    with lm.hooks(edit={"blocks.0.attn.head_in": zero}, read=["blocks.0.attn.out"]) as cache:
        lm.forward(batch)
    bias = getattr(lm.adapter.attn_out_proj(0), "bias", None)
    expected = torch.zeros_like(cache["blocks.0.attn.out"]) + (bias if bias is not None else 0)
    torch.testing.assert_close(cache["blocks.0.attn.out"], expected)


def test_edits_in_place_and_one_head_only(lm):
    batch = lm.encode(TEXTS)
    with lm.hooks(read=["blocks.0.attn.head_in"]) as before:
        lm.forward(batch)

    def zero_head_1(x):
        x[:, :, 1] = 0.0  # in place, returns None

    with lm.hooks(edit={"blocks.0.attn.head_in": zero_head_1},
                  read=["blocks.0.attn.head_in"]) as after:
        lm.forward(batch)
    h0, h1 = before["blocks.0.attn.head_in"], after["blocks.0.attn.head_in"]
    assert torch.count_nonzero(h1[:, :, 1]) == 0
    torch.testing.assert_close(h1[:, :, 0], h0[:, :, 0])


def test_bad_edits_are_clear_errors(lm):
    batch = lm.encode(TEXTS)
    with (pytest.raises(ValueError, match="shape"),
          lm.hooks(edit={"blocks.0.mlp.out": lambda x: x[:, :1]})):
        lm.forward(batch)
    with pytest.raises(TypeError, match="callable"), lm.hooks(edit={"blocks.0.mlp.out": 3}):
        pass
    with pytest.raises(IndexError), lm.hooks(read=["blocks.9.resid_post"]):
        pass


def test_generation_batched_equals_one_by_one(lm):
    prompts = ["tell me about your week", "hello", "my dog is sad today and i am afraid"]
    together = lm.generate(prompts, max_new_tokens=6, return_ids=True)
    alone = [lm.generate([p], max_new_tokens=6, return_ids=True)[0] for p in prompts]
    assert together == alone


def test_sampling_is_repeatable_with_a_seed(lm):
    kw = {"max_new_tokens": 8, "do_sample": True, "temperature": 1.5, "return_ids": True}
    first = lm.generate(["hello"] * 3, seed=7, **kw)
    assert first == lm.generate(["hello"] * 3, seed=7, **kw)
    state = torch.random.get_rng_state()
    lm.generate(["hello"], seed=3, **kw)
    assert torch.equal(state, torch.random.get_rng_state())


def test_an_edit_steers_generation(lm):
    target = lm.tokenizer.convert_tokens_to_ids("gross")
    direction = lm.adapter.token_embeddings()[target].detach()

    def push(x):
        return x + 1000.0 * direction / direction.norm()

    last = f"blocks.{lm.n_layers - 1}.resid_post"
    ids = lm.generate(["hello"], max_new_tokens=4, edit={last: push}, return_ids=True)[0]
    assert ids and all(t == target for t in ids)


def test_chat_template_and_input_errors(lm):
    text = lm.format("hello", chat=True, system="you are good")[0]
    assert "system" in text and text.rstrip().endswith("assistant")
    with pytest.raises(ValueError, match="empty"):
        lm.encode(["hello", "  "])
    with pytest.raises(TypeError):
        lm.encode(["hello", None])
    with pytest.raises(ValueError, match="chat=True"):
        lm.format("hello", system="x")


def test_long_inputs_keep_their_end(lm):
    long = " ".join(["happy"] * 200 + ["sad"])
    with pytest.warns(UserWarning, match="longer than"):
        batch = lm.encode([long], max_length=16)
    assert batch["input_ids"].shape[1] == 16
    assert lm.tokenizer.decode(batch["input_ids"][0, -1:]) == "sad"


def test_unknown_family_is_a_clear_error():
    from affectlab.lm.model.adapters import adapter_for

    class Fake:
        class config:
            model_type = "mamba"

    with pytest.raises(UnknownNameError, match="llama"):
        adapter_for(Fake())


def test_the_package_exports_the_experiments_not_their_modules():
    import affectlab.lm.hooks
    import affectlab.lm.malleability
    import affectlab.lm.persistence  # noqa: F401  (importing an old module path must not shadow)
    from affectlab import lm

    for name in lm.__all__:
        assert hasattr(lm, name), name
    for name in ("hooks", "persistence", "malleability", "zero_shot", "extract", "load"):
        assert callable(getattr(lm, name)) and not isinstance(getattr(lm, name), type(lm))
