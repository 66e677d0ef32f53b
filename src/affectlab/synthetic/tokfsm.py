"""TokFSM: the finite-state-machine task of "Codebook Features" (Tamkin et al., 2023).

A random FSM has N states, each with E distinct successors chosen uniformly; a sequence is a random
walk whose states are written as fixed-width base-10 digit tokens (vocabulary: the ten digits).
A `TinyGPT`, with or without codebooks, is trained on next-token prediction and measured by:

- transition accuracy: sample rollouts from a one-state prompt; the share of consecutive states
  joined by an edge (an unparsable state counts as a wrong transition), and the first-transition
  accuracy (the first sampled state is a successor of the prompt state);
- code purity per codebook site: among codes that fire at least `min_count` times at the last
  digit of a state, the share that fire for one state only;
- intervention success: take contexts ending in states a and b with disjoint successor sets,
  patch the MLP codes at a's last-state positions with b's, and measure the next-state
  distribution: the drop in Jensen-Shannon divergence (bits) to the uniform distribution over b's
  successors, and the share of the top-E predicted states that are successors of b. Options
  choose the sites (MLP, attention heads, layers), the positions, and whether the digits of the
  next state typed so far are patched too: with states of several digits, the later digits of
  the next state are predicted at those positions, where the model reads the state again from
  the raw digit tokens, so patches at the state's own positions alone barely move predictions
  (docs/results/codebook/tokfsm_interventions.md).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from affectlab.codebook.layer import CodebookLayer, codebook_param_groups
from affectlab.core.progress import progress_bar
from affectlab.synthetic.tiny_gpt import GPTConfig, TinyGPT

VOCAB = 10


class FSM:
    """A random FSM: `successors[s]` holds E distinct next states of state s (seeded)."""

    def __init__(self, n_states: int, n_edges: int, seed: int = 0) -> None:
        if n_states < 2 or not 1 <= n_edges <= n_states:
            raise ValueError(f"need n_states >= 2 and 1 <= n_edges <= n_states, got "
                             f"{n_states}, {n_edges}")
        self.n_states, self.n_edges, self.seed = int(n_states), int(n_edges), int(seed)
        g = torch.Generator().manual_seed(self.seed)
        self.successors = torch.stack([torch.randperm(n_states, generator=g)[:n_edges]
                                       for _ in range(n_states)])
        adj = torch.zeros(n_states, n_states, dtype=torch.bool)
        adj[torch.arange(n_states).unsqueeze(1), self.successors] = True
        self.adjacency = adj
        self.width = len(str(n_states - 1))

    def walks(self, n: int, n_steps: int, generator: torch.Generator | None = None) -> Tensor:
        """States (n, n_steps) of random walks from uniform start states."""
        s = torch.randint(self.n_states, (n,), generator=generator)
        out = [s]
        for _ in range(n_steps - 1):
            pick = torch.randint(self.n_edges, (n,), generator=generator)
            s = self.successors[s, pick]
            out.append(s)
        return torch.stack(out, dim=1)

    def encode(self, states: Tensor) -> Tensor:
        """Digit tokens (..., n * width) of states (..., n), most significant digit first."""
        powers = 10 ** torch.arange(self.width - 1, -1, -1)
        digits = (states.unsqueeze(-1) // powers) % 10
        return digits.reshape(*states.shape[:-1], -1)

    def decode(self, tokens: Tensor) -> Tensor:
        """States (..., n) of digit tokens (..., n * width); values >= n_states are invalid."""
        n = tokens.shape[-1] // self.width
        digits = tokens[..., :n * self.width].reshape(*tokens.shape[:-1], n, self.width)
        powers = 10 ** torch.arange(self.width - 1, -1, -1, device=tokens.device)
        return (digits * powers).sum(-1)

    def sequences(self, n: int, seq_len: int, generator: torch.Generator | None = None) -> Tensor:
        """Token sequences (n, seq_len) of random walks (seq_len a multiple of the width)."""
        if seq_len % self.width:
            raise ValueError(f"seq_len={seq_len} is not a multiple of the state width "
                             f"{self.width}")
        return self.encode(self.walks(n, seq_len // self.width, generator))

    def is_edge(self, a: Tensor, b: Tensor) -> Tensor:
        """True where a -> b is an edge (invalid states give False)."""
        ok = (a >= 0) & (a < self.n_states) & (b >= 0) & (b < self.n_states)
        a_c, b_c = a.clamp(0, self.n_states - 1), b.clamp(0, self.n_states - 1)
        return ok & self.adjacency[a_c, b_c]


@dataclass
class TokFSMConfig:
    n_states: int = 32
    n_edges: int = 4
    seq_len: int = 64
    n_layers: int = 2
    d_model: int = 64
    n_heads: int = 4
    codebooks: bool = True
    head_codebooks: bool = True
    num_codes: int = 256
    k: int = 1
    steps: int = 1500
    batch_size: int = 32
    lr: float = 1e-3
    schedule: str = "cosine"  # or "constant"
    warmup: int = 50
    weight_decay: float = 0.0
    codebook_weight_decay: float = 0.0
    #: the codebooks' learning rate as a multiple of `lr`
    codebook_lr_scale: float = 1.0
    kmeans_init: bool = False
    dead_after: int | None = None
    mse_weight: float = 1.0
    #: train this many steps with the codebooks bypassed (layer-normalised activations pass
    #: through), then switch them on (k-means initialised then, with `kmeans_init`)
    quantize_after: int = 0
    #: clip the gradient norm (None: no clipping)
    grad_clip: float | None = None
    similarity: str = "inner"
    layer_norm: bool = True
    embed_std: float = 0.02
    eval_every: int = 250
    eval_rollouts: int = 64
    final_rollouts: int = 256
    seed: int = 0
    fsm_seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def gpt_config(self) -> GPTConfig:
        sites: list[str] = []
        if self.codebooks:
            for i in range(self.n_layers):
                if self.head_codebooks:
                    sites.append(f"blocks.{i}.attn.head_in")
                sites.append(f"blocks.{i}.mlp.out")
        return GPTConfig(vocab_size=VOCAB, n_layers=self.n_layers, d_model=self.d_model,
                         n_heads=self.n_heads, max_len=self.seq_len, codebook_sites=sites,
                         num_codes=self.num_codes, k=self.k, embed_std=self.embed_std,
                         codebook_kwargs={"kmeans_init": self.kmeans_init,
                                          "dead_after": self.dead_after,
                                          "mse_weight": self.mse_weight,
                                          "similarity": self.similarity,
                                          "layer_norm": self.layer_norm})


#: The paper's training recipe as such: random codes, no dead-code replacement, codebooks on
#: from the first step, AdamW lr 1e-3 (`TokFSMConfig`'s own defaults).
PAPER_RECIPE: dict[str, Any] = {"kmeans_init": False, "dead_after": None, "quantize_after": 0,
                                "lr": 1e-3, "grad_clip": None, "codebook_lr_scale": 1.0}
#: What closes the gap to the model without codebooks here (docs/results/codebook/): k-means
#: initialisation, replacement of codes unused for 20 steps, lr 3e-3, gradient clipping at 1,
#: and the codebooks switched on after the first fifth of training (`quantize_after`, set by
#: each configuration).
TUNED_RECIPE: dict[str, Any] = {"kmeans_init": True, "dead_after": 20, "lr": 3e-3,
                                "grad_clip": 1.0, "codebook_lr_scale": 1.0}


def tiny_config(**kw: Any) -> TokFSMConfig:
    """Seconds on a CPU: 10 states, 3 edges, 1 layer (tests); lr 3e-3, codes on from step 1."""
    base = TokFSMConfig(n_states=10, n_edges=3, seq_len=24, n_layers=1, d_model=32, n_heads=2,
                        num_codes=32, steps=150, batch_size=16, lr=3e-3, warmup=10,
                        eval_every=75, eval_rollouts=32, final_rollouts=64)
    return replace(base, **kw)


def small_config(**kw: Any) -> TokFSMConfig:
    """About a minute and a half on one CPU thread: 32 states, 4 edges, 2 layers x 64, 256 codes,
    1,500 steps, the tuned recipe (codebooks on after 300 steps)."""
    return replace(TokFSMConfig(**TUNED_RECIPE, quantize_after=300), **kw)


def paper_config(**kw: Any) -> TokFSMConfig:
    """The paper's model and task: 100 states, 10 edges, 128 tokens, 4 layers x 128, 4 heads,
    1000 codes, k=1; 3,000 steps of 64 sequences (what one CPU thread trains in about an hour)
    with the tuned recipe (codebooks on after 600 steps). `PAPER_RECIPE` gives the paper's
    training recipe."""
    base = TokFSMConfig(n_states=100, n_edges=10, seq_len=128, n_layers=4, d_model=128,
                        n_heads=4, num_codes=1000, k=1, steps=3000, batch_size=64,
                        warmup=200, eval_every=500, eval_rollouts=64, final_rollouts=256,
                        **TUNED_RECIPE, quantize_after=600)
    return replace(base, **kw)


def with_steps(cfg: TokFSMConfig, steps: int) -> TokFSMConfig:
    """`cfg` trained for `steps` steps: the codebook warm-up keeps its share of the budget; the
    lr warm-up shrinks with a shorter budget and the evaluation interval fits inside it."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    scale = steps / cfg.steps
    return replace(cfg, steps=steps, quantize_after=round(cfg.quantize_after * scale),
                   warmup=max(1, min(cfg.warmup, round(cfg.warmup * scale))),
                   eval_every=max(1, min(cfg.eval_every, steps)))


CONFIGS: dict[str, Callable[..., TokFSMConfig]] = {"tiny": tiny_config, "small": small_config,
                                                   "paper": paper_config}


# -- metrics ---------------------------------------------------------------------------------
@torch.no_grad()
def sample_rollouts(model: TinyGPT, fsm: FSM, n: int, n_states: int,
                    generator: torch.Generator | None = None,
                    temperature: float = 1.0) -> Tensor:
    """States (n, n_states) of sampled rollouts, each prompted with one random start state."""
    model.eval()
    start = torch.randint(fsm.n_states, (n, 1), generator=generator)
    tokens = fsm.encode(start)
    total = min(n_states * fsm.width, model.cfg.max_len + 1)
    while tokens.shape[1] < total:
        logits = model(tokens)[:, -1] / temperature
        nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
        tokens = torch.cat([tokens, nxt], dim=1)
    return fsm.decode(tokens)


def transition_accuracy(fsm: FSM, states: Tensor) -> dict[str, float]:
    """Share of consecutive states joined by an edge, overall and for the first transition."""
    ok = fsm.is_edge(states[:, :-1], states[:, 1:])
    return {"transition_accuracy": float(ok.float().mean()),
            "first_transition_accuracy": float(ok[:, 0].float().mean())}


def evaluate_rollouts(model: TinyGPT, fsm: FSM, n: int, seed: int = 1234) -> dict[str, float]:
    g = torch.Generator().manual_seed(seed)
    states = sample_rollouts(model, fsm, n, model.cfg.max_len // fsm.width, g)
    return transition_accuracy(fsm, states)


def purity(codes: Tensor, labels: Tensor, min_count: int = 2) -> dict[str, float]:
    """Code purity: codes (n, m) fired for items labelled (n,); a column holds one code each.

    Counts codes fired at least `min_count` times; pure = all their firings carry one label.
    """
    codes = codes.reshape(codes.shape[0], -1)
    pure = total = 0
    used = 0
    for j in range(codes.shape[1]):
        col = codes[:, j]
        for c in torch.unique(col):
            lab = labels[col == c]
            used += 1
            if lab.numel() < min_count:
                continue
            total += 1
            pure += int(torch.unique(lab).numel() == 1)
    return {"pure_share": pure / total if total else float("nan"), "codes_counted": total,
            "codes_used": used}


@torch.no_grad()
def code_purity(model: TinyGPT, fsm: FSM, n_seqs: int = 128, min_count: int = 2,
                seed: int = 4321, offset: int = 0) -> dict[str, dict[str, float]]:
    """Purity of every codebook site at the last digit of each state of fresh walks, labelled by
    that state; `offset` tokens later (offset=1: the first digit of the next state, still
    labelled by the state before it)."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    walks = fsm.walks(n_seqs, model.cfg.max_len // fsm.width, g)
    tokens = fsm.encode(walks)
    cbs = model.codebooks()
    with ExitStack() as stack:
        recs = {s: stack.enter_context(layer.record()) for s, layer in cbs.items()}
        model(tokens)
    pos = torch.arange(fsm.width - 1 + offset, tokens.shape[1], fsm.width)
    labels = walks[:, :len(pos)].reshape(-1)
    out = {}
    for site, rec in recs.items():
        ids = rec[0][:, pos]  # (n, states, [groups,] k)
        flat = ids.reshape(ids.shape[0] * ids.shape[1], -1)
        out[site] = purity(flat, labels, min_count)
    return out


def _prefix_batch(fsm: FSM, ctx: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Context ctx (T,) followed by each distinct first-(w-1)-digit prefix of a state: the batch
    (P, T + w - 1), the digits (N, w) of every state and each state's row in the batch (N,)."""
    w = fsm.width
    states = torch.arange(fsm.n_states)
    digits = fsm.encode(states.unsqueeze(1))  # (N, w)
    if w == 1:
        prefixes = torch.zeros(1, 0, dtype=torch.long)
        inverse = torch.zeros(len(states), dtype=torch.long)
    else:
        prefixes, inverse = torch.unique(digits[:, :w - 1], dim=0, return_inverse=True)
    batch = torch.cat([ctx.expand(prefixes.shape[0], -1), prefixes], dim=1)
    return batch, digits, inverse


def _next_state_logprobs(model: TinyGPT, fsm: FSM, ctx: Tensor,
                         forced: dict[str, Tensor] | None = None,
                         record: list[str] | None = None,
                         recorded: dict[str, Tensor] | None = None) -> Tensor:
    """log P(next state) (n_states,) after token context ctx (T,), renormalised over valid states.

    `forced` maps a site to ids (T', *id_shape) (the same for every prefix row; padded with -1,
    "keep own choice", up to the batch length) or (P, T + w - 1, *id_shape) (one row per prefix
    of the batch; -1 where not forced). The ids chosen at the sites in `record` on the batch go
    into `recorded` (site -> (P, T + w - 1, *id_shape)).
    """
    batch, digits, inverse = _prefix_batch(fsm, ctx)
    w, (p, t) = fsm.width, batch.shape
    cbs = model.codebooks()
    with ExitStack() as stack:
        for site, ids in (forced or {}).items():
            if ids.ndim == _id_ndim(cbs[site]) + 2:  # one row per prefix
                if ids.shape[:2] != (p, t):
                    raise ValueError(f"forced ids {tuple(ids.shape)} do not match the batch "
                                     f"({p}, {t})")
                full = ids
            else:
                pad = torch.full((t - ids.shape[0], *ids.shape[1:]), -1, dtype=torch.long)
                full = torch.cat([ids, pad]).unsqueeze(0)
            stack.enter_context(cbs[site].force_codes(full))
        recs = {s: stack.enter_context(cbs[s].record()) for s in (record or [])}
        logp = F.log_softmax(model(batch), dim=-1)  # (P, t, V)
    if recorded is not None:
        recorded.update({s: r[0] for s, r in recs.items()})
    start = ctx.shape[0] - 1
    rows = logp[inverse]  # (N, t, V)
    n = digits.shape[0]
    per_digit = torch.stack([rows[torch.arange(n), start + j, digits[:, j]]
                             for j in range(w)], dim=1)
    total = per_digit.sum(1)
    return total - torch.logsumexp(total, 0)


def _id_ndim(layer: Any) -> int:
    """Dimensions of one position's ids: 1 ((k,)) for `CodebookLayer`, 2 ((groups, k)) else."""
    return 1 if isinstance(layer, CodebookLayer) else 2


def _jsd_bits(p: Tensor, q: Tensor) -> float:
    m = 0.5 * (p + q)

    def kl(a: Tensor, b: Tensor) -> Tensor:
        mask = a > 0
        return (a[mask] * (a[mask] / b[mask]).log2()).sum()

    return float(0.5 * kl(p, m) + 0.5 * kl(q, m))


#: context positions where codes are patched: the last token, the last state's tokens, every
#: token, none (with `next_digits`: only the digits of the next state typed so far)
POSITIONS = ("last", "state", "all", "none")


def resolve_sites(model: TinyGPT, sites: str | list[str] | None) -> list[str]:
    """Codebook sites named by `sites`: None or "mlp" (every ``mlp.out``), "attn" (every
    ``attn.head_in``), "all", "layer{i}" (both sites of block i), a comma-separated string or a
    list of site names / those words."""
    cbs = list(model.codebooks())
    if sites is None:
        sites = "mlp"
    items = sites.split(",") if isinstance(sites, str) else list(sites)
    out: list[str] = []
    for item in items:
        item = item.strip()
        if item == "mlp":
            found = [s for s in cbs if s.endswith("mlp.out")]
        elif item == "attn":
            found = [s for s in cbs if s.endswith("attn.head_in")]
        elif item == "all":
            found = cbs
        elif item.startswith("layer") and item[5:].isdigit():
            found = [s for s in cbs if s.startswith(f"blocks.{int(item[5:])}.")]
        elif item in cbs:
            found = [item]
        else:
            raise ValueError(f"unknown codebook site {item!r}; the model has {cbs}")
        if not found:
            raise ValueError(f"the model has no codebooks for {item!r} (it has {cbs})")
        out += [s for s in found if s not in out]
    return out


@torch.no_grad()
def patched_next_state(model: TinyGPT, fsm: FSM, ctx_a: Tensor, ctx_b: Tensor,
                       sites: str | list[str] | None = None, positions: str = "state",
                       next_digits: bool = False) -> dict[str, Tensor]:
    """Next-state distributions (n_states,) of context a, of context b, and of a with the codes
    recorded on b patched in at `sites` and `positions` (contexts of equal length).

    positions: "last" (the context's last token), "state" (the last state's `width` tokens),
    "all" (every context token) or "none". `next_digits` also patches the digits of the next
    state typed so far (width > 1: the positions that predict its later digits), with codes
    recorded on b's context followed by the same digits.
    """
    if positions not in POSITIONS:
        raise ValueError(f"positions must be one of {POSITIONS}, got {positions!r}")
    if ctx_a.shape != ctx_b.shape:
        raise ValueError(f"contexts differ in length: {tuple(ctx_a.shape)}, {tuple(ctx_b.shape)}")
    model.eval()
    names = resolve_sites(model, sites)
    t = ctx_a.shape[0]
    first = {"last": t - 1, "state": t - fsm.width, "all": 0, "none": t}[positions]
    rec: dict[str, Tensor] = {}
    clean_b = _next_state_logprobs(model, fsm, ctx_b, record=names if next_digits else None,
                                   recorded=rec)
    forced: dict[str, Tensor] = {}
    if next_digits:
        for s in names:
            ids = torch.full_like(rec[s], -1)
            ids[:, first:] = rec[s][:, first:]
            forced[s] = ids
    else:
        cbs = model.codebooks()
        with ExitStack() as stack:
            recs = {s: stack.enter_context(cbs[s].record()) for s in names}
            model(ctx_b.unsqueeze(0))
        for s in names:
            got = recs[s][0][0]  # (t, *id_shape)
            ids = torch.full_like(got, -1)
            ids[first:] = got[first:]
            forced[s] = ids
    clean_a = _next_state_logprobs(model, fsm, ctx_a)
    patched = _next_state_logprobs(model, fsm, ctx_a, forced)
    return {"clean_a": clean_a.exp(), "clean_b": clean_b.exp(), "patched": patched.exp()}


@torch.no_grad()
def intervention_success(model: TinyGPT, fsm: FSM, n_pairs: int = 32, ctx_states: int = 8,
                         seed: int = 99, sites: str | list[str] | None = None,
                         positions: str = "state", next_digits: bool = False,
                         ) -> dict[str, Any]:
    """Patch codes of a context ending in b into one ending in a (disjoint successors).

    By default the MLP codes at the last state's tokens; `sites`, `positions` and `next_digits`
    as in `patched_next_state`. Besides the moved share of the top-E predictions, reports how
    many of b's own top-E predictions are successors of b (`top_b_in_b_context`, the ceiling).
    """
    model.eval()
    if not model.codebooks():
        raise ValueError("the model has no codebooks to patch")
    names = resolve_sites(model, sites)
    if positions not in POSITIONS:
        raise ValueError(f"positions must be one of {POSITIONS}, got {positions!r}")
    g = torch.Generator().manual_seed(seed)
    walks = fsm.walks(max(64, 8 * n_pairs), ctx_states, g)
    last = walks[:, -1]
    succ = fsm.successors
    res: dict[str, list[float]] = {k: [] for k in ("jsd_clean", "jsd_patched", "moved",
                                                   "moved_clean", "stay_patched", "b_own")}
    order = torch.randperm(walks.shape[0], generator=g).tolist()
    pairs = []
    for i in order:
        for j in order:
            a, b = int(last[i]), int(last[j])
            if a != b and not fsm.adjacency[a][succ[b]].any() and not set(
                    succ[a].tolist()) & set(succ[b].tolist()):
                pairs.append((i, j))
                break
        if len(pairs) >= n_pairs:
            break
    e = fsm.n_edges
    for i, j in pairs:
        a, b = int(last[i]), int(last[j])
        out = patched_next_state(model, fsm, fsm.encode(walks[i]), fsm.encode(walks[j]), names,
                                 positions, next_digits)
        clean, patched = out["clean_a"], out["patched"]
        target = torch.zeros(fsm.n_states)
        target[succ[b]] = 1.0 / e
        sb, sa = set(succ[b].tolist()), set(succ[a].tolist())
        top_p = patched.topk(e).indices.tolist()
        top_c = clean.topk(e).indices.tolist()
        top_b = out["clean_b"].topk(e).indices.tolist()
        res["jsd_clean"].append(_jsd_bits(clean, target))
        res["jsd_patched"].append(_jsd_bits(patched, target))
        res["moved"].append(sum(s in sb for s in top_p) / e)
        res["moved_clean"].append(sum(s in sb for s in top_c) / e)
        res["stay_patched"].append(sum(s in sa for s in top_p) / e)
        res["b_own"].append(sum(s in sb for s in top_b) / e)
    mean = {k: sum(v) / len(v) if v else float("nan") for k, v in res.items()}
    return {"pairs": len(pairs), "jsd_clean": mean["jsd_clean"],
            "jsd_patched": mean["jsd_patched"],
            "jsd_drop": mean["jsd_clean"] - mean["jsd_patched"],
            "top_moved_to_b": mean["moved"], "top_b_before_patch": mean["moved_clean"],
            "top_still_a_after_patch": mean["stay_patched"],
            "top_b_in_b_context": mean["b_own"], "sites": names, "positions": positions,
            "next_digits": next_digits}


# -- training --------------------------------------------------------------------------------
@dataclass
class TrainResult:
    model: TinyGPT
    fsm: FSM
    config: TokFSMConfig
    curve: list[dict[str, float]]
    metrics: dict[str, Any]
    seconds: float

    def summary(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "curve": self.curve, "metrics": self.metrics,
                "seconds": round(self.seconds, 1)}


def _lr_factor(cfg: TokFSMConfig, step: int) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    if cfg.schedule == "constant":
        return 1.0
    frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def train(cfg: TokFSMConfig, *, progress: bool = False, evaluate: bool = True,
          log: Callable[[dict[str, float]], None] | None = None) -> TrainResult:
    """Train a TinyGPT on the FSM; eval every `eval_every` steps gives the budget -> accuracy curve."""
    if cfg.codebooks and not 0 <= cfg.quantize_after < cfg.steps:
        raise ValueError(f"quantize_after={cfg.quantize_after} must lie in [0, steps="
                         f"{cfg.steps}): the codebooks would never be trained")
    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    fsm = FSM(cfg.n_states, cfg.n_edges, cfg.fsm_seed)
    model = TinyGPT(cfg.gpt_config())
    opt = torch.optim.AdamW(codebook_param_groups(model, cfg.weight_decay,
                                                  cfg.codebook_weight_decay,
                                                  codebook_lr=cfg.lr * cfg.codebook_lr_scale),
                            lr=cfg.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(cfg, s))
    g = torch.Generator().manual_seed(cfg.seed + 1)
    curve: list[dict[str, float]] = []
    _set_bypass(model, cfg.quantize_after > 0)
    with progress_bar(progress, cfg.steps, "training") as advance:
        for step in range(1, cfg.steps + 1):
            if step == cfg.quantize_after + 1:
                _set_bypass(model, False)
            model.train()
            tokens = fsm.sequences(cfg.batch_size, cfg.seq_len, g)
            logits = model(tokens[:, :-1])
            task = F.cross_entropy(logits.reshape(-1, VOCAB), tokens[:, 1:].reshape(-1))
            loss = task + model.aux_loss()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            sched.step()
            advance(1, description=f"training loss {float(task.detach()):.3f}")
            if evaluate and (step % cfg.eval_every == 0 or step == cfg.steps):
                point = {"step": step, "tokens": step * cfg.batch_size * cfg.seq_len,
                         "loss": float(task.detach()), "quantized": step > cfg.quantize_after,
                         **evaluate_rollouts(model, fsm, cfg.eval_rollouts)}
                curve.append(point)
                if log:
                    log(point)
    metrics: dict[str, Any] = {}
    if evaluate:
        metrics = evaluate_model(model, fsm, cfg.final_rollouts)
    model.eval()
    return TrainResult(model, fsm, cfg, curve, metrics, time.perf_counter() - t0)


def _set_bypass(model: TinyGPT, on: bool) -> None:
    for layer in model.codebooks().values():
        layer.bypass = on


def evaluate_model(model: TinyGPT, fsm: FSM, n_rollouts: int = 256) -> dict[str, Any]:
    """Rollout accuracies, code purity per site and intervention success (with codebooks): MLP
    codes patched at the last state's positions, and also at the next state's digits."""
    out: dict[str, Any] = dict(evaluate_rollouts(model, fsm, n_rollouts))
    if model.codebooks():
        out["purity"] = code_purity(model, fsm)
        mlp = [s for s in model.codebooks() if s.endswith("mlp.out")]
        out["best_mlp_purity"] = max(out["purity"][s]["pure_share"] for s in mlp)
        out["intervention"] = intervention_success(model, fsm)
        out["intervention_next_digits"] = intervention_success(model, fsm, next_digits=True)
    return out


def save_result(result: TrainResult, directory: str | os.PathLike[str]) -> Path:
    """The model (``model.safetensors``, then the manifest ``affectlab.json`` of kind
    "synthetic.tiny_gpt") with the TokFSM config (FSM seed included), metrics and loss curve in
    its `extra` metadata, for `load_result`."""
    return result.model.save(directory, extra={"tokfsm": asdict(result.config),
                                               "metrics": result.metrics,
                                               "curve": result.curve},
                             metrics=result.metrics)


def load_result(directory: str | os.PathLike[str]) -> tuple[TinyGPT, FSM, TokFSMConfig]:
    """(model, FSM, config) saved by `save_result` (either manifest format)."""
    model = TinyGPT.load(directory)
    if "tokfsm" not in model.extra:
        from affectlab.core.errors import ManifestError

        raise ManifestError(f"{directory} holds a TinyGPT but no TokFSM config: it was not "
                            "saved by save_result")
    cfg = TokFSMConfig(**model.extra["tokfsm"])
    return model, FSM(cfg.n_states, cfg.n_edges, cfg.fsm_seed), cfg


__all__ = ["CONFIGS", "FSM", "PAPER_RECIPE", "TUNED_RECIPE", "TokFSMConfig", "TrainResult",
           "code_purity", "evaluate_model", "evaluate_rollouts", "intervention_success",
           "load_result", "paper_config", "patched_next_state", "purity", "resolve_sites",
           "sample_rollouts", "save_result", "small_config", "tiny_config", "train",
           "transition_accuracy", "with_steps"]
