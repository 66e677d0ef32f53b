"""CodebookLayer / GroupedCodebookLayer: gradients, top-k choice, forcing, dead codes."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from affectlab.codebook import CodebookLayer, GroupedCodebookLayer, codebook_param_groups


def _layer(**kw) -> CodebookLayer:
    torch.manual_seed(0)
    return CodebookLayer(8, 16, **kw)


def test_straight_through_gradient_reaches_parameters_before_codebook() -> None:
    torch.manual_seed(0)
    pre = torch.nn.Linear(4, 8)
    cb = CodebookLayer(8, 16, k=2)
    y = cb(pre(torch.randn(5, 4)))
    (y * torch.randn_like(y)).sum().backward()
    assert pre.weight.grad is not None and pre.weight.grad.abs().sum() > 0
    assert cb.codebook.grad is not None and cb.codebook.grad.abs().sum() > 0


def test_codebook_gets_mse_gradient_when_task_gradient_is_zero() -> None:
    cb = _layer()
    x = torch.randn(6, 8)
    y = cb(x)
    (0.0 * y.sum() + cb.aux_loss).backward()
    grad = cb.codebook.grad[0]
    ids = cb.last_codes.reshape(-1).unique()
    assert grad[ids].abs().sum() > 0
    mask = torch.ones(16, dtype=torch.bool)
    mask[ids] = False
    assert grad[mask].abs().sum() == 0  # only chosen codes move
    # the MSE gradient is that of mean((q - h)^2), h detached
    h = F.layer_norm(x, (8,))
    c = cb.codebook.detach().clone().requires_grad_(True)
    F.mse_loss(c[0][cb.last_codes[:, 0]], h).backward()
    torch.testing.assert_close(grad, c.grad[0])


def test_no_mse_gradient_to_input_without_commitment() -> None:
    cb = _layer()
    x = torch.randn(6, 8, requires_grad=True)
    cb(x)
    cb.aux_loss.backward()
    assert x.grad is None or x.grad.abs().sum() == 0
    cb2 = _layer(commitment=0.5)
    x2 = torch.randn(6, 8, requires_grad=True)
    cb2(x2)
    cb2.aux_loss.backward()
    assert x2.grad.abs().sum() > 0


@pytest.mark.parametrize("similarity", ["inner", "cosine"])
@pytest.mark.parametrize("k", [1, 3])
def test_topk_ids_equal_brute_force(similarity: str, k: int) -> None:
    cb = _layer(k=k, similarity=similarity)
    x = torch.randn(2, 7, 8)
    cb(x)
    h = F.layer_norm(x, (8,))
    c = cb.codebook.detach()[0]
    for idx in [(0, 0), (1, 3), (1, 6)]:
        v = h[idx]
        sims = [float(v @ c[j] / c[j].norm()) / (float(v.norm()) if similarity == "cosine"
                                                  else 1.0) for j in range(16)]
        best = sorted(range(16), key=lambda j: -sims[j])[:k]
        assert cb.last_codes[idx].tolist() == best
    assert torch.equal(cb.nearest(x), cb.last_codes)


def test_output_is_mean_of_chosen_codes() -> None:
    cb = _layer(k=3)
    x = torch.randn(4, 5, 8)
    y = cb(x)
    expected = cb.codebook.detach()[0][cb.last_codes].mean(dim=-2)
    torch.testing.assert_close(y, expected)
    torch.testing.assert_close(cb.decode_codes(cb.last_codes), expected)


def test_forced_code_gives_exactly_that_vector_and_minus_one_keeps_own() -> None:
    cb = _layer()
    x = torch.randn(3, 4, 8)
    own = cb(x).detach()
    with cb.force_codes(torch.tensor([5])):
        y = cb(x)
    assert torch.equal(y, cb.codebook.detach()[0, 5].expand(3, 4, 8))
    assert (cb.last_codes == 5).all()
    forced = torch.full((3, 4, 1), -1)
    forced[1, 2, 0] = 7
    with cb.force_codes(forced):
        y = cb(x)
    assert torch.equal(y[1, 2], cb.codebook.detach()[0, 7])
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[1, 2] = False
    assert torch.equal(y[mask], own[mask])
    cb(x)
    assert not (cb.last_codes == 7).all()  # forcing ends with the block


def test_dead_code_replacement_fires() -> None:
    cb = _layer(dead_after=2)
    cb.train()
    x = torch.randn(3, 8)  # at most 3 of 16 codes used per step
    cb(x)
    assert cb.last_replaced == 0
    cb(x)
    assert cb.last_replaced >= 13
    # replaced codes are inputs of the batch (layer-normalised)
    h = F.layer_norm(x, (8,))
    dists = torch.cdist(cb.codebook.detach()[0], h).min(dim=1).values
    assert (dists < 1e-5).sum() >= 13
    before = cb.unused_steps.clone()
    cb.eval()
    cb(x)
    cb(x)
    assert torch.equal(cb.unused_steps, before)  # eval does not track usage


def test_kmeans_init_on_first_training_batch() -> None:
    cb = _layer(kmeans_init=True)
    assert not bool(cb.initialized)
    cb.train()
    x = torch.randn(64, 8)
    cb(x)
    assert bool(cb.initialized)
    h = F.layer_norm(x, (8,))
    # every code is a mean of inputs: within the inputs' span, close to some of them
    assert torch.cdist(cb.codebook.detach()[0], h).min(dim=1).values.max() < 3.0


def test_grouped_layer_one_codebook_per_head() -> None:
    torch.manual_seed(0)
    cb = GroupedCodebookLayer(3, 4, 10, k=2)
    x = torch.randn(2, 5, 3, 4, requires_grad=True)
    y = cb(x)
    assert y.shape == x.shape and cb.last_codes.shape == (2, 5, 3, 2)
    h = F.layer_norm(x.detach(), (4,))
    for g in range(3):
        sub = CodebookLayer(4, 10, k=2)
        sub.codebook.data[0] = cb.codebook.data[g]
        out = sub(x.detach()[:, :, g])
        assert torch.equal(sub.last_codes, cb.last_codes[:, :, g])
        torch.testing.assert_close(out, y.detach()[:, :, g])
    assert h.shape == x.shape
    y.sum().backward()
    assert x.grad.abs().sum() > 0
    flat = cb(x.detach().reshape(2, 5, 12))
    assert flat.shape == (2, 5, 12)
    with cb.force_codes(torch.tensor([[1, 2], [3, 4], [5, 6]])):
        z = cb(x.detach())
    torch.testing.assert_close(z[0, 0, 1], cb.codebook.detach()[1, [3, 4]].mean(0))


def test_record_collects_ids_and_param_groups() -> None:
    cb = _layer()
    with cb.record() as rec:
        cb(torch.randn(2, 8))
        cb(torch.randn(3, 8))
    cb(torch.randn(1, 8))
    assert [r.shape for r in rec] == [(2, 1), (3, 1)]
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), cb)
    groups = codebook_param_groups(model, 0.1, 0.01)
    assert groups[1]["params"][0] is cb.codebook and groups[1]["weight_decay"] == 0.01
    assert len(groups[0]["params"]) == 2


def test_codebook_learning_rate_group() -> None:
    cb = _layer()
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), cb)
    groups = codebook_param_groups(model, codebook_lr=0.03)
    assert groups[1]["lr"] == 0.03 and "lr" not in groups[0]
    opt = torch.optim.AdamW(groups, lr=0.001)
    assert [g["lr"] for g in opt.param_groups] == [0.001, 0.03]


def test_bypass_passes_the_normalised_input_and_defers_kmeans() -> None:
    torch.manual_seed(0)
    cb = CodebookLayer(8, 4, kmeans_init=True).train()
    cb.bypass = True
    x = torch.randn(10, 8, requires_grad=True)
    y = cb(x)
    torch.testing.assert_close(y, torch.nn.functional.layer_norm(x, (8,)))
    assert float(cb.aux_loss) == 0.0 and not bool(cb.initialized)
    assert int(cb.unused_steps.sum()) == 0  # no dead-code bookkeeping while bypassed
    y.sum().backward()
    assert x.grad is not None
    cb.bypass = False
    z = cb(torch.randn(32, 8))
    assert bool(cb.initialized)  # k-means on the first quantised batch
    assert int(cb.unused_steps.max()) <= 1
    codes = cb.codebook.detach()[0]
    assert all(any(torch.allclose(v, c) for c in codes) for v in z.detach())


def test_scores_and_topk_match_brute_force_per_group() -> None:
    torch.manual_seed(1)
    for similarity in ("inner", "cosine"):
        cb = GroupedCodebookLayer(3, 5, 7, k=2, similarity=similarity)
        h = torch.randn(4, 6, 3, 5)
        c = cb.codebook.detach()
        brute = torch.einsum("btgd,gkd->btgk", h, c) / c.norm(dim=-1)
        if similarity == "cosine":
            brute = brute / h.norm(dim=-1, keepdim=True)
        torch.testing.assert_close(cb.scores(h), brute)
        torch.testing.assert_close(cb._topk(h), brute.topk(2, dim=-1).indices)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        CodebookLayer(8, 4, k=5)
    with pytest.raises(ValueError):
        CodebookLayer(8, 4, similarity="l2")
    with pytest.raises(ValueError):
        _layer()(torch.randn(3, 7))


def test_insert_codebooks_into_tiny_llama() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lm"))
    from _lm_tiny import tiny_model

    from affectlab.codebook.insert import insert_codebooks

    lm = tiny_model("llama", n_layers=2)
    batch = lm.encode(["i am so happy today", "the dog is sad"])
    clean = lm.forward(batch)
    cbs = insert_codebooks(lm, ["blocks.0.attn.head_in", "blocks.1.mlp.out"], num_codes=12, k=2)
    try:
        layers = cbs.codebooks()
        with torch.no_grad():
            coded = lm.model(**batch).logits
        assert not torch.allclose(coded, clean)
        head = layers["blocks.0.attn.head_in"]
        t = batch["input_ids"].shape[1]
        assert head.last_codes.shape == (2, t, lm.n_heads, 2)
        assert layers["blocks.1.mlp.out"].last_codes.shape == (2, t, 2)
        # the MLP output is now exactly a mean of codes: read it at the site
        with lm.hooks(read=["blocks.1.mlp.out"]) as cache, torch.no_grad():
            lm.model(**batch)
        mlp = layers["blocks.1.mlp.out"]
        torch.testing.assert_close(cache["blocks.1.mlp.out"], mlp.decode_codes(mlp.last_codes))
        # trainable end to end: gradients reach the codebooks and the model's weights
        cbs.train()
        out = lm.model(**batch, labels=batch["input_ids"])
        (out.loss + cbs.aux_loss()).backward()
        assert mlp.codebook.grad is not None and head.codebook.grad.abs().sum() > 0
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in lm.model.model.layers[0].parameters())
    finally:
        cbs.remove()
    torch.testing.assert_close(lm.forward(batch), clean)
