"""Quantisers: gradients, nearest codes, the FSQ grid, residual stages, dead codes, k-means init."""

from __future__ import annotations

import itertools
import math

import pytest

torch = pytest.importorskip("torch")

from affectlab.codebook import (
    FiniteScalarQuantizer,
    ResidualVectorQuantizer,
    VectorQuantizer,
    kmeans,
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def clustered(n: int = 512, dim: int = 4, k: int = 8) -> torch.Tensor:
    centres = torch.randn(k, dim) * 3
    return centres[torch.randint(k, (n,))] + 0.1 * torch.randn(n, dim)


def test_straight_through_gradient_reaches_encoder():
    encoder = torch.nn.Linear(3, 4)
    vq = VectorQuantizer(16, 4)
    out = vq(encoder(torch.randn(10, 3)))
    out.quantized.pow(2).sum().backward()  # reconstruction-like loss only, no VQ losses
    assert encoder.weight.grad is not None and encoder.weight.grad.abs().sum() > 0
    assert vq.codebook.grad is None  # the straight-through path carries nothing to the codebook


def test_codebook_receives_mse_gradient():
    vq = VectorQuantizer(8, 3, commitment=0.0)
    x = torch.randn(20, 3, requires_grad=True)
    out = vq(x)
    out.codebook_loss.backward()
    assert x.grad is None or x.grad.abs().sum() == 0  # codebook term stops the input gradient
    used = out.codes.unique()
    grad = vq.codebook.grad
    assert grad[used].abs().sum() > 0
    unused = torch.ones(8, dtype=torch.bool)
    unused[used] = False
    assert grad[unused].abs().sum() == 0
    # d/dc mean||c_i - x||² over the rows assigned to each code, checked by hand
    expected = torch.zeros_like(vq.codebook)
    q = vq.codebook.detach()[out.codes[:, 0]]
    expected.index_add_(0, out.codes[:, 0], 2 * (q - x.detach()) / x.numel())
    assert torch.allclose(grad, expected, atol=1e-6)


def test_commitment_pulls_input_towards_code():
    vq = VectorQuantizer(8, 3, commitment=1.0)
    x = torch.randn(20, 3, requires_grad=True)
    out = vq(x)
    out.commitment_loss.backward()
    q = vq.codebook.detach()[out.codes[:, 0]]
    assert torch.allclose(x.grad, 2 * (x.detach() - q) / x.numel(), atol=1e-6)
    assert torch.allclose(out.loss, out.codebook_loss + out.commitment_loss)


def test_ids_equal_brute_force_nearest_code():
    vq = VectorQuantizer(32, 5)
    x = torch.randn(4, 7, 5)
    out = vq(x)
    brute = torch.stack([torch.stack([((vq.codebook - v) ** 2).sum(1).argmin() for v in row])
                         for row in x])
    assert out.codes.shape == (4, 7, 1)
    assert torch.equal(out.codes[..., 0], brute)
    assert torch.allclose(out.quantized, vq.codebook[brute], atol=1e-6)
    assert torch.allclose(vq.decode_codes(out.codes), out.quantized, atol=1e-6)
    top = vq.nearest(x, k=3)
    assert top.shape == (4, 7, 3) and torch.equal(top[..., 0], brute)


def test_fsq_output_on_grid_and_ids_round_trip():
    levels = [8, 5, 5, 3]
    fsq = FiniteScalarQuantizer(levels)
    x = torch.randn(1000, 4) * 3
    out = fsq(x)
    scale = torch.tensor([lv // 2 for lv in levels], dtype=torch.float32)
    grid = out.quantized * scale
    assert torch.allclose(grid, grid.round(), atol=1e-5)
    lo = torch.tensor([-(lv // 2) for lv in levels], dtype=torch.float32)
    hi = torch.tensor([(lv - 1) // 2 for lv in levels], dtype=torch.float32)
    assert (grid >= lo - 1e-5).all() and (grid <= hi + 1e-5).all()
    assert out.codes.shape == (1000, 1)
    assert int(out.codes.min()) >= 0 and int(out.codes.max()) < math.prod(levels)
    assert torch.allclose(fsq.decode_codes(out.codes), out.quantized)
    every = torch.arange(fsq.codebook_size)
    grid = fsq.ids_to_grid(every)
    assert torch.equal(fsq.grid_to_ids(grid), every)  # every id, both ways
    assert len({tuple(g) for g in grid.tolist()}) == fsq.codebook_size  # ids are distinct points
    assert fsq.bits == pytest.approx(math.log2(600))


def test_fsq_every_level_is_reachable_and_gradient_passes():
    fsq = FiniteScalarQuantizer([4, 5])
    x = torch.linspace(-6, 6, 2001).unsqueeze(1).repeat(1, 2).requires_grad_()
    out = fsq(x)
    assert len(set((out.quantized[:, 0] * 2).round().tolist())) == 4
    assert len(set((out.quantized[:, 1] * 2).round().tolist())) == 5
    out.quantized.sum().backward()
    assert x.grad.abs().sum() > 0


def test_rvq_more_stages_reconstruct_no_worse():
    x = torch.randn(600, 6)
    errors = []
    for n in (1, 2, 4, 8):
        rvq = ResidualVectorQuantizer(n, 16, 6)
        rvq.init_from(x)
        rvq.eval()
        errors.append(float(((rvq(x).quantized - x) ** 2).mean()))
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(errors)), errors
    assert errors[-1] < 0.5 * errors[0]
    # one model read at growing depth also never gets worse
    prefix = [float(((rvq(x, stages=n).quantized - x) ** 2).mean()) for n in range(1, 9)]
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(prefix)), prefix
    out = rvq(x)
    assert out.codes.shape == (600, 8) and rvq.bits == 32
    assert torch.allclose(rvq.decode_codes(out.codes), out.quantized, atol=1e-5)


def test_rvq_gradients_identity_to_encoder_and_every_codebook():
    rvq = ResidualVectorQuantizer(3, 8, 4)
    x = torch.randn(50, 4, requires_grad=True)
    out = rvq(x)
    out.quantized.sum().backward(retain_graph=True)
    assert torch.allclose(x.grad, torch.ones_like(x))  # not multiplied by the stage count
    out.loss.backward()
    assert all(s.codebook.grad is not None and s.codebook.grad.abs().sum() > 0
               for s in rvq.stages)


def test_dead_code_replacement_fires():
    vq = VectorQuantizer(8, 2, dead_after=3)
    with torch.no_grad():
        vq.codebook[1:] = 100.0  # only code 0 can ever be nearest
        vq.codebook[0] = 0.0
    x = torch.randn(64, 2)
    for _ in range(2):
        vq(x)
        assert vq.last_replaced == 0
    vq(x)
    assert vq.last_replaced == 7
    rows = {tuple(r) for r in x.tolist()}
    assert all(tuple(c) in rows for c in vq.codebook[1:].tolist())  # replaced by real inputs
    assert int(vq.unused_steps.max()) == 0
    vq.eval()
    vq.codebook.data[1:] = 100.0
    for _ in range(5):
        vq(x)  # evaluation never changes the codebook
    assert (vq.codebook[1:] == 100.0).all()


def test_kmeans_init_from_first_batch():
    x = clustered()
    vq = VectorQuantizer(8, 4, kmeans_init=True)
    assert not bool(vq.initialized)
    before = float(((vq(x).quantized - x) ** 2).mean())  # first training call initialises
    assert bool(vq.initialized)
    after = float(((vq(x).quantized - x) ** 2).mean())
    # the initial random codebook was replaced by centres of the data
    assert after <= before + 1e-6 and after < 0.1 * float(x.var())
    untouched = VectorQuantizer(8, 4)
    assert after < 0.2 * float(((untouched(x).quantized - x) ** 2).mean())
    snapshot = vq.codebook.detach().clone()
    vq(x * 5)  # later batches do not re-initialise
    assert torch.equal(vq.codebook.detach(), snapshot)
    state = vq.state_dict()
    fresh = VectorQuantizer(8, 4, kmeans_init=True)
    fresh.load_state_dict(state)
    assert bool(fresh.initialized)  # a loaded quantiser is not re-initialised on its next batch


def test_kmeans_helper_with_fewer_rows_than_centres():
    c = kmeans(torch.randn(3, 2), 5)
    assert c.shape == (5, 2) and torch.isfinite(c).all()


def test_bad_inputs_raise_clearly():
    vq = VectorQuantizer(8, 4)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        vq(torch.randn(3, 5))
    with pytest.raises(TypeError, match="floating"):
        vq(torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="lie in"):
        vq.decode_codes(torch.tensor([[8]]))
    with pytest.raises(TypeError, match="integer"):
        vq.decode_codes(torch.tensor([[0.5]]))
    with pytest.raises(ValueError, match="num_stages"):
        ResidualVectorQuantizer(9, 8, 4)
    with pytest.raises(ValueError, match="levels"):
        FiniteScalarQuantizer([8, 1])
    with pytest.raises(ValueError, match="stages"):
        ResidualVectorQuantizer(2, 8, 4)(torch.randn(2, 4), stages=3)
