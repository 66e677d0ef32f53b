"""Emotion persistence of "Decoding Emotion in the Deep": is the user's emotion still readable
from the residual stream while the model writes its reply, and for how many tokens?

For each user text the model replies (greedy, chat template); one forward pass over prompt+reply
then reads the residual stream at one depth at reply offsets k = 0..K-1. **Offset k is the
position of the k-th generated token** (0-based): there the model has read the whole user turn
and its own reply up to and including reply token k. (The last prompt token, where the usual
probes read, is the position just before offset 0.) An offset-aware probe (hidden state
concatenated with a learned embedding of k, then the paper's 2-layer MLP) is trained on every
(text, offset) pair of the training texts and evaluated per offset on the test texts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from torch import nn

from affectlab.core.plots import save_figure
from affectlab.core.progress import progress_bar
from affectlab.lm.model.activations import residual_sites
from affectlab.lm.model.language_model import LanguageModel, _as_texts
from affectlab.lm.probing.probes import (
    check_training_params,
    fit_standardizer,
    require_fitted,
    train_classifier,
)

__all__ = ["OffsetProbe", "PersistenceResult", "ReplyStates", "collect_reply_states",
           "persistence", "plot_persistence", "residual_site"]


def residual_site(n_layers: int, layer: int) -> str:
    """The residual-stream site at depth `layer`: 0 = `embed`, i = `blocks.{i-1}.resid_post`
    (Hugging Face's hidden-state index); negative values count from the end (-1 = last block)."""
    return residual_sites(n_layers)[_depth(n_layers, layer)]


def _depth(n_layers: int, layer: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"layer must be an int, got {layer!r}")
    depth = int(layer) + (n_layers + 1 if layer < 0 else 0)
    if not 0 <= depth <= n_layers:
        raise IndexError(f"layer {layer} is out of range: residual depths are 0..{n_layers} "
                         f"(0 = embed, {n_layers} = last block)")
    return depth


# --- reply states ---------------------------------------------------------------------------


@dataclass
class ReplyStates:
    """Residual states along each reply: `states[i, k]` is text i at reply offset k (zeros where
    `mask[i, k]` is False, i.e. the reply has fewer than k + 1 tokens)."""

    states: np.ndarray  # (n_texts, max_offset, d) float32
    mask: np.ndarray  # (n_texts, max_offset) bool
    replies: list[str]
    reply_ids: list[list[int]]
    prompt_lengths: np.ndarray  # (n_texts,) tokens of the formatted user turn
    layer: int
    site: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def max_offset(self) -> int:
        return self.states.shape[1]

    @property
    def reply_lengths(self) -> np.ndarray:
        """Generated tokens per reply (end-of-sequence excluded)."""
        return np.array([len(r) for r in self.reply_ids], dtype=np.int64)

    def subset(self, index: ArrayLike) -> ReplyStates:
        """The rows at `index` (repeats allowed, e.g. from `balance_train`)."""
        idx = np.asarray(index, dtype=np.intp)
        return ReplyStates(self.states[idx], self.mask[idx], [self.replies[i] for i in idx],
                           [self.reply_ids[i] for i in idx], self.prompt_lengths[idx],
                           self.layer, self.site, dict(self.settings))


def _gather(positions: torch.Tensor):
    """A hook reduction keeping only the rows' reply positions: (b, T, d) -> (b, K, d)."""

    def reduce(site: str, x: torch.Tensor) -> torch.Tensor:
        rows = torch.arange(x.shape[0], device=x.device).unsqueeze(1)
        return x[rows, positions.to(x.device)].float().cpu()

    return reduce


@torch.inference_mode()
def _read_batch(lm: LanguageModel, site: str, prompts: list[list[int]], replies: list[list[int]],
                max_offset: int) -> np.ndarray:
    """States (b, K, d) at reply offsets 0..K-1 of prompt+reply sequences (right-padded)."""
    seqs = [p + r[:max_offset] for p, r in zip(prompts, replies, strict=True)]
    width = max(len(s) for s in seqs)
    input_ids = torch.full((len(seqs), width), lm.tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, seq in enumerate(seqs):
        input_ids[r, :len(seq)] = torch.tensor(seq)
        mask[r, :len(seq)] = 1
    starts = torch.tensor([len(p) for p in prompts]).unsqueeze(1)
    positions = (starts + torch.arange(max_offset)).clamp(max=width - 1)
    with lm.hooks(read=[site], reduce=_gather(positions)) as cache:
        lm.adapter.base_model()(input_ids=input_ids.to(lm.device),
                                attention_mask=mask.to(lm.device), use_cache=False)
    return cache[site].numpy()


def collect_reply_states(lm: LanguageModel, texts: Sequence[str], *, layer: int,
                         max_offset: int = 16, max_new_tokens: int = 24,
                         system: str | None = None, batch_size: int = 16,
                         progress: bool = False) -> ReplyStates:
    """Greedy chat replies to `texts` and the residual stream at depth `layer` (0 = embed,
    i = `blocks.{i-1}.resid_post`) at reply offsets 0..max_offset-1.

    The prompt tokens are exactly those `lm.generate` fed the model (`lm.encode`, chat=True);
    `system=None` keeps the template's default system prompt.
    """
    items = _as_texts(texts)
    if not items:
        raise ValueError("no texts to reply to")
    if max_offset < 1 or batch_size < 1:
        raise ValueError("max_offset and batch_size must be positive")
    if max_new_tokens < max_offset:
        raise ValueError(f"max_new_tokens ({max_new_tokens}) must be at least max_offset "
                         f"({max_offset}): later offsets could never be reached")
    site = residual_site(lm.n_layers, layer)
    depth = _depth(lm.n_layers, layer)
    reply_ids = lm.generate(items, chat=True, system=system, max_new_tokens=max_new_tokens,
                            batch_size=batch_size, return_ids=True, progress=progress)
    states = np.zeros((len(items), max_offset, lm.d_model), dtype=np.float32)
    prompt_lengths = np.zeros(len(items), dtype=np.int64)
    with progress_bar(progress, len(items), f"reply states ({site})") as bar:
        for start in range(0, len(items), batch_size):
            chunk = list(range(start, min(start + batch_size, len(items))))
            enc = lm.encode([items[i] for i in chunk], chat=True, system=system)
            lengths = enc["attention_mask"].sum(1).tolist()
            prompts = [enc["input_ids"][r, :n].tolist() for r, n in enumerate(lengths)]
            replies = [reply_ids[i] for i in chunk]
            states[chunk] = _read_batch(lm, site, prompts, replies, max_offset)
            prompt_lengths[chunk] = lengths
            bar(len(chunk))
    n_reply = np.array([len(r) for r in reply_ids])
    mask = np.arange(max_offset)[None, :] < n_reply[:, None]
    states[~mask] = 0.0
    replies = [lm.tokenizer.decode(r, skip_special_tokens=True).strip() for r in reply_ids]
    return ReplyStates(states, mask, replies, [list(r) for r in reply_ids], prompt_lengths,
                       depth, site, {"model": lm.name, "system": system,
                                     "max_new_tokens": max_new_tokens, "chat": True})


# --- offset-aware probe ---------------------------------------------------------------------


class _OffsetNet(nn.Module):
    """[h ; E(k)] -> Linear -> ReLU -> Linear: the paper's 2-layer probe plus an offset embedding."""

    def __init__(self, d: int, n_offsets: int, offset_dim: int, hidden: int,
                 n_classes: int) -> None:
        super().__init__()
        self.offset = nn.Embedding(n_offsets, offset_dim)
        self.mlp = nn.Sequential(nn.Linear(d + offset_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_classes))

    def forward(self, h: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        return self.mlp(torch.cat([h, self.offset(k)], dim=-1))


def _check_states(states: Any, mask: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(states, ReplyStates):
        raise TypeError("pass states.states and states.mask, not the ReplyStates object")
    if hasattr(states, "detach"):
        states = states.detach().float().cpu().numpy()
    arr = np.asarray(states, dtype=np.float32)
    m = np.asarray(mask.detach().cpu().numpy() if hasattr(mask, "detach") else mask)
    if arr.ndim != 3:
        raise ValueError(f"states must be (n_texts, n_offsets, d), got shape {arr.shape}")
    if m.shape != arr.shape[:2]:
        raise ValueError(f"mask must be (n_texts, n_offsets) = {arr.shape[:2]}, got {m.shape}")
    m = m.astype(bool)
    if not np.isfinite(arr[m]).all():
        raise ValueError("states contain NaN or infinity at valid positions")
    return arr, m


class OffsetProbe(BaseEstimator):
    """Probe of the user's emotion from a reply state and its offset k.

    Input: the standardised hidden state at offset k concatenated with a learned `offset_dim`
    embedding of k; then Linear(hidden) -> ReLU -> Linear(n_classes), trained on every valid
    (text, k) pair with cross-entropy and Adam under linear warm-up then cosine decay. Defaults
    train longer and faster than the paper's one epoch at 1e-4 because persistence sets are
    small. Deterministic for a `random_state`; the global torch RNG is left untouched. Balance
    classes at the text level before `fit` (as `persistence` does with `balance_train`).
    """

    def __init__(self, hidden: int = 256, offset_dim: int = 16, epochs: int = 10,
                 lr: float = 1e-3, batch_size: int = 64, warmup: float = 0.1,
                 weight_decay: float = 0.0, standardize: bool = True, random_state: int = 0,
                 device: str = "cpu") -> None:
        self.hidden = hidden
        self.offset_dim = offset_dim
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.random_state = random_state
        self.device = device

    def _check_params(self) -> None:
        check_training_params(self, ("hidden", "offset_dim", "epochs", "batch_size"))

    def _inputs(self, arr: np.ndarray) -> torch.Tensor:
        if self.mean_ is not None:
            arr = (arr - self.mean_) / self.scale_
        return torch.as_tensor(np.ascontiguousarray(arr, dtype=np.float32), device=self.device)

    def fit(self, states: Any, mask: Any, y: ArrayLike) -> OffsetProbe:
        """Train on states (n, K, d), validity mask (n, K) and one label per text."""
        self._check_params()
        arr, m = _check_states(states, mask)
        labels = np.asarray(y)
        if labels.ndim != 1 or labels.shape[0] != arr.shape[0]:
            raise ValueError(f"y must hold one label per text ({arr.shape[0]}), "
                             f"got shape {labels.shape}")
        classes, codes = np.unique(labels, return_inverse=True)
        if classes.size < 2:
            raise ValueError("y holds one class only: a probe needs at least 2 classes")
        rows, ks = np.nonzero(m)
        if rows.size == 0:
            raise ValueError("no valid (text, offset) pair to train on: every mask entry is False")
        feats = arr[rows, ks]
        n, d = feats.shape
        self.classes_ = classes
        self.n_features_in_ = d
        self.max_offset_ = arr.shape[1]
        fit_standardizer(self, feats)
        seed = int(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = _OffsetNet(d, self.max_offset_, self.offset_dim, self.hidden, classes.size)
        net = net.to(self.device)
        offsets = torch.as_tensor(ks, dtype=torch.long, device=self.device)
        targets = torch.as_tensor(codes.ravel()[rows], dtype=torch.long, device=self.device)
        self.n_steps_, self.loss_curve_, _ = train_classifier(
            self, net, (self._inputs(feats), offsets), targets)
        self.model_ = net
        self.n_pairs_ = n
        return self

    def predict_proba(self, states: Any, mask: Any) -> np.ndarray:
        """(n, K, n_classes) class probabilities; NaN where the mask is False."""
        require_fitted(self, "model_")
        arr, m = _check_states(states, mask)
        if arr.shape[2] != self.n_features_in_:
            raise ValueError(f"states have {arr.shape[2]} features, the probe expects "
                             f"{self.n_features_in_}")
        if arr.shape[1] > self.max_offset_ and m[:, self.max_offset_:].any():
            raise ValueError(f"the probe knows offsets 0..{self.max_offset_ - 1}; states reach "
                             f"offset {arr.shape[1] - 1}")
        out = np.full((*arr.shape[:2], self.classes_.size), np.nan)
        rows, ks = np.nonzero(m)
        if rows.size:
            with torch.no_grad():
                z = self.model_(self._inputs(arr[rows, ks]),
                                torch.as_tensor(ks, dtype=torch.long, device=self.device))
            out[rows, ks] = torch.softmax(z.double(), dim=-1).cpu().numpy()
        return out

    def predict(self, states: Any, mask: Any) -> np.ndarray:
        """(n, K) object array of predicted classes; None where the mask is False."""
        proba = self.predict_proba(states, mask)
        out = np.full(proba.shape[:2], None, dtype=object)
        valid = ~np.isnan(proba[..., 0])
        out[valid] = self.classes_[np.argmax(proba[valid], axis=-1)]
        return out

    def score_by_offset(self, states: Any, mask: Any, y: ArrayLike) -> dict[int, float]:
        """Accuracy at each offset k over the texts whose reply reaches k (NaN when none does)."""
        pred = self.predict(states, mask)
        labels = np.asarray(y, dtype=object)
        valid = np.asarray(mask, dtype=bool)
        out = {}
        for k in range(pred.shape[1]):
            rows = valid[:, k]
            out[k] = float(np.mean(pred[rows, k] == labels[rows])) if rows.any() else math.nan
        return out

    def score(self, states: Any, mask: Any, y: ArrayLike) -> float:
        """Accuracy over every valid (text, offset) pair."""
        pred = self.predict(states, mask)
        valid = np.asarray(mask, dtype=bool)
        labels = np.broadcast_to(np.asarray(y, dtype=object)[:, None], pred.shape)
        return float(np.mean(pred[valid] == labels[valid]))


# --- the experiment -------------------------------------------------------------------------


def _nan_to_none(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 6) for v in values]


@dataclass
class PersistenceResult:
    """Per-offset test accuracy of the offset probe, overall and as recall per user emotion."""

    labels: list[str]
    offsets: np.ndarray  # (K,)
    accuracy: np.ndarray  # (K,), NaN where no test reply reaches the offset
    counts: np.ndarray  # (K,) test texts whose reply reaches each offset
    recall: np.ndarray  # (n_labels, K)
    recall_counts: np.ndarray  # (n_labels, K)
    chance: float
    layer: int
    site: str
    n_train: int
    n_test: int
    mean_reply_tokens: float
    settings: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, str]] = field(default_factory=list)

    def recall_by_emotion(self) -> dict[str, np.ndarray]:
        """{emotion: recall per offset}."""
        return {label: self.recall[j] for j, label in enumerate(self.labels)}

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary for JSON (NaN as None)."""
        return {"labels": list(self.labels), "offsets": self.offsets.tolist(),
                "accuracy": _nan_to_none(self.accuracy), "counts": self.counts.tolist(),
                "recall": {label: _nan_to_none(self.recall[j])
                           for j, label in enumerate(self.labels)},
                "recall_counts": {label: self.recall_counts[j].tolist()
                                  for j, label in enumerate(self.labels)},
                "chance": self.chance, "layer": self.layer, "site": self.site,
                "n_train": self.n_train, "n_test": self.n_test,
                "mean_reply_tokens": round(self.mean_reply_tokens, 3),
                "settings": dict(self.settings), "examples": list(self.examples)}


def persistence(lm: LanguageModel, probe_set: Any, *, layer: int, max_offset: int = 16,
                max_new_tokens: int = 24, system: str | None = None,
                probe: OffsetProbe | None = None, balance: bool = True,
                undersample: bool = True, seed: int = 0, batch_size: int = 16,
                progress: bool = False) -> PersistenceResult:
    """Train an offset probe on reply states of the training texts and test it per offset.

    `probe_set` is a `ProbeSet` (or anything with train/test texts and labels and `labels`).
    Training texts are balanced with `balance_train` (at the text level, so every offset of a
    text shares its weight); test texts are undersampled to the smallest class first (with
    `undersample`), so chance is 1 / n_classes. Recall per emotion per offset shows which
    emotions stay readable longer.
    """
    from affectlab.lm.probing.balance import balance_train, undersample_test

    train_y = np.asarray(probe_set.train_labels, dtype=object)
    test_y = np.asarray(probe_set.test_labels, dtype=object)
    if len(train_y) == 0 or len(test_y) == 0:
        raise ValueError("the probe set needs training and test texts")
    test_idx = undersample_test(test_y, seed=seed) if undersample else np.arange(len(test_y))
    test_texts = [probe_set.test_texts[i] for i in test_idx]
    test_y = test_y[test_idx]
    kwargs: dict[str, Any] = {"layer": layer, "max_offset": max_offset,
                              "max_new_tokens": max_new_tokens, "system": system,
                              "batch_size": batch_size, "progress": progress}
    train = collect_reply_states(lm, list(probe_set.train_texts), **kwargs)
    test = collect_reply_states(lm, test_texts, **kwargs)
    if balance:
        idx = balance_train(train_y, seed=seed)
        train_fit, y_fit = train.subset(idx), train_y[idx]
    else:
        train_fit, y_fit = train, train_y
    model = probe if probe is not None else OffsetProbe(random_state=seed)
    model.fit(train_fit.states, train_fit.mask, y_fit)
    pred = model.predict(test.states, test.mask)

    labels = [str(x) for x in probe_set.labels]
    hit = (pred == test_y[:, None]) & test.mask
    counts = test.mask.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(counts > 0, hit.sum(0) / np.maximum(counts, 1), np.nan)
        recall = np.full((len(labels), max_offset), np.nan)
        recall_counts = np.zeros((len(labels), max_offset), dtype=np.int64)
        for j, label in enumerate(labels):
            rows = test_y == label
            n = test.mask[rows].sum(0)
            recall_counts[j] = n
            recall[j] = np.where(n > 0, hit[rows].sum(0) / np.maximum(n, 1), np.nan)
    present = sorted(set(test_y.tolist()))
    examples = [{"text": test_texts[i], "label": str(test_y[i]), "reply": test.replies[i]}
                for i in range(min(5, len(test_texts)))]
    return PersistenceResult(
        labels=labels, offsets=np.arange(max_offset), accuracy=accuracy,
        counts=counts.astype(np.int64), recall=recall, recall_counts=recall_counts,
        chance=1.0 / max(1, len(present)), layer=train.layer, site=train.site,
        n_train=len(train_y), n_test=len(test_y),
        mean_reply_tokens=float(np.mean(np.r_[train.reply_lengths, test.reply_lengths])),
        settings={"model": lm.name, "max_new_tokens": max_new_tokens, "system": system,
                  "balance": balance, "undersample": undersample, "seed": seed,
                  "probe": model.get_params(), "probe_set": getattr(probe_set, "name", "")},
        examples=examples)


def plot_persistence(result: PersistenceResult, path: str | os.PathLike[str]) -> str:
    """PNG of test accuracy vs reply offset: one line per emotion (recall), the overall accuracy
    in bold, and the chance level dashed (Agg canvas, no pyplot state). Returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for j, label in enumerate(result.labels):
        if np.isfinite(result.recall[j]).any():
            ax.plot(result.offsets, result.recall[j], marker=".", lw=1, label=label)
    ax.plot(result.offsets, result.accuracy, color="black", lw=2.5, label="overall")
    ax.axhline(result.chance, color="grey", ls="--", lw=1, label="chance")
    ax.set_xlabel("reply offset k (generated tokens)")
    ax.set_ylabel("accuracy / recall")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Emotion persistence at {result.site}")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return str(save_figure(fig, path, dpi=120, close=False))  # not a pyplot figure
