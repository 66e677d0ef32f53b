"""Per-bar valence/arousal of music with a dual-scale attention model (after Personalized DMER).

A small transformer encoder reads the windowed attributes of a piece. The same encoder runs twice,
once with a local band mask (each bar sees its neighbours within `local_width` bars) and once
with a global band mask (`global_width` bars, or the whole piece); the two outputs are summed
and squashed through a sigmoid onto [-1, 1]. `scales="local"` or `"global"` keeps one branch
only, the ablations the dual model is compared against.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from affectlab.files import save_tensors, write_json
from affectlab.metrics.continuous import pearson, rmse
from affectlab.music.attributes import ATTRIBUTES

SCALES = ("dual", "local", "global")


@dataclass
class DynamicConfig:
    """Model size, attention bands and training settings."""

    scales: str = "dual"
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 1
    local_width: int = 2
    global_width: int | None = None  # None: the whole piece
    dropout: float = 0.1
    epochs: int = 150
    lr: float = 3e-3
    weight_decay: float = 1e-3
    batch_size: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.scales not in SCALES:
            raise ValueError(f"scales must be one of {SCALES}, got {self.scales!r}")


class BarScaler:
    """Standardises attribute rows; missing values become 0 and a `silent` flag column is added."""

    def __init__(self, mean: np.ndarray | None = None, scale: np.ndarray | None = None) -> None:
        self.mean, self.scale = mean, scale

    def fit(self, rows: np.ndarray) -> BarScaler:
        self.mean = np.nanmean(rows, axis=0)
        self.mean = np.where(np.isfinite(self.mean), self.mean, 0.0)
        self.scale = np.nanstd(rows, axis=0)
        self.scale = np.where(np.isfinite(self.scale) & (self.scale > 1e-9), self.scale, 1.0)
        return self

    def transform(self, rows: np.ndarray) -> np.ndarray:
        if self.mean is None or self.scale is None:
            raise RuntimeError("BarScaler is not fitted")
        z = (rows - self.mean) / self.scale
        silent = (np.nan_to_num(rows[:, [0]], nan=0.0) <= 0).astype(np.float64)  # no onsets
        return np.concatenate([np.nan_to_num(np.clip(z, -5, 5), nan=0.0), silent], axis=1)

    @property
    def n_out(self) -> int:
        return len(ATTRIBUTES) + 1


def band_mask(length: int, width: int | None) -> Tensor:
    """Boolean (length, length) mask, True where attention is blocked (|i - j| > width)."""
    idx = torch.arange(length)
    if width is None:
        return torch.zeros(length, length, dtype=torch.bool)
    return (idx[:, None] - idx[None, :]).abs() > width


def _positions(length: int, d: int) -> Tensor:
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10_000.0) / d))
    pe = torch.zeros(length, d)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)
    return pe


class DualScaleRegressor(nn.Module):
    """Attribute sequence (B, T, F) -> valence/arousal (B, T, 2) in [-1, 1]."""

    def __init__(self, n_in: int, config: DynamicConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.inp = nn.Linear(n_in, c.d_model)
        layer = nn.TransformerEncoderLayer(c.d_model, c.n_heads, 2 * c.d_model, c.dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, c.n_layers, enable_nested_tensor=False)
        self.head = nn.Linear(c.d_model, 2)
        # A listener's gain and offset on each dimension (what per-listener adaptation tunes).
        self.listener_gain = nn.Parameter(torch.ones(2))
        self.listener_shift = nn.Parameter(torch.zeros(2))

    def branch(self, h: Tensor, width: int | None, pad: Tensor | None) -> Tensor:
        mask = band_mask(h.shape[1], width).to(h.device)
        return self.head(self.encoder(h, mask=mask, src_key_padding_mask=pad))

    def forward(self, x: Tensor, pad: Tensor | None = None) -> Tensor:
        h = self.inp(x) + _positions(x.shape[1], self.config.d_model).to(x)
        c = self.config
        out = 0
        if c.scales in ("dual", "local"):
            out = out + self.branch(h, c.local_width, pad)
        if c.scales in ("dual", "global"):
            out = out + self.branch(h, c.global_width, pad)
        return 2 * torch.sigmoid(self.listener_gain * out + self.listener_shift) - 1


def pad_batch(seqs: Sequence[np.ndarray]) -> tuple[Tensor, Tensor]:
    """Stack variable-length (T, F) arrays into (B, T_max, F) and a pad mask (True = padding)."""
    t = max(len(s) for s in seqs)
    x = torch.zeros(len(seqs), t, seqs[0].shape[1])
    pad = torch.ones(len(seqs), t, dtype=torch.bool)
    for i, s in enumerate(seqs):
        x[i, : len(s)] = torch.as_tensor(s, dtype=torch.float32)
        pad[i, : len(s)] = False
    return x, pad


def masked_mse(pred: Tensor, target: Tensor, pad: Tensor) -> Tensor:
    keep = (~pad).unsqueeze(-1).to(pred)
    return (((pred - target) ** 2) * keep).sum() / (keep.sum() * pred.shape[-1])


@dataclass
class DynamicMusicEmotion:
    """Per-bar valence/arousal estimator: fit on (attribute rows, curve) pairs, predict curves."""

    config: DynamicConfig = field(default_factory=DynamicConfig)
    scaler: BarScaler | None = None
    model: DualScaleRegressor | None = None

    def fit(self, features: Sequence[np.ndarray], curves: Sequence[np.ndarray],
            progress: bool = False) -> DynamicMusicEmotion:
        """`features[i]` is (bars, n_attributes), `curves[i]` (bars, 2) valence/arousal."""
        if len(features) != len(curves) or not features:
            raise ValueError("need as many curves as feature sequences, and at least one")
        c = self.config
        torch.manual_seed(c.seed)
        rng = np.random.default_rng(c.seed)
        self.scaler = BarScaler().fit(np.concatenate(features))
        xs = [self.scaler.transform(f) for f in features]
        self.model = DualScaleRegressor(self.scaler.n_out, c)
        opt = torch.optim.AdamW(self.model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        epochs = range(c.epochs)
        if progress:
            from tqdm import tqdm

            epochs = tqdm(epochs, desc=f"dynamic ({c.scales})", leave=False)
        self.model.train()
        for _ in epochs:
            order = rng.permutation(len(xs))
            for start in range(0, len(order), c.batch_size):
                idx = order[start: start + c.batch_size]
                x, pad = pad_batch([xs[i] for i in idx])
                y, _ = pad_batch([curves[i] for i in idx])
                loss = masked_mse(self.model(x, pad), y, pad)
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.model.eval()
        return self

    def transform_features(self, features: np.ndarray) -> np.ndarray:
        if self.scaler is None or self.model is None:
            raise RuntimeError("DynamicMusicEmotion is not fitted: call fit() or load() first")
        return self.scaler.transform(features)

    def predict(self, features: np.ndarray | Sequence[np.ndarray]) -> np.ndarray | list[np.ndarray]:
        """(bars, 2) valence/arousal per bar for one sequence, or a list for several."""
        single = isinstance(features, np.ndarray)
        seqs = [features] if single else list(features)
        xs = [self.transform_features(f) for f in seqs]
        with torch.no_grad():
            x, pad = pad_batch(xs)
            y = self.model(x, pad).numpy()  # type: ignore[misc]
        out = [y[i, : len(s)] for i, s in enumerate(xs)]
        return out[0] if single else out

    def score(self, features: Sequence[np.ndarray], curves: Sequence[np.ndarray]) -> dict[str, float]:
        """RMSE and Pearson r per dimension over all bars pooled."""
        return curve_scores(self.predict(list(features)), curves)  # type: ignore[arg-type]

    def save(self, folder: str | os.PathLike[str]) -> Path:
        if self.model is None or self.scaler is None:
            raise RuntimeError("nothing to save: the model is not fitted")
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        meta = {"kind": "affectlab.music.dynamic", "attributes": list(ATTRIBUTES),
                "config": asdict(self.config), "mean": self.scaler.mean.tolist(),
                "scale": self.scaler.scale.tolist()}
        save_tensors(self.model.state_dict(), out / "weights.safetensors")
        write_json(meta, out / "config.json")
        return out

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> DynamicMusicEmotion:
        from safetensors.torch import load_file

        path = Path(folder)
        meta = json.loads((path / "config.json").read_text())
        if meta.get("kind") != "affectlab.music.dynamic" or meta["attributes"] != list(ATTRIBUTES):
            raise ValueError(f"{folder}: not a dynamic music emotion model for this attribute set")
        est = cls(config=DynamicConfig(**meta["config"]),
                  scaler=BarScaler(np.asarray(meta["mean"]), np.asarray(meta["scale"])))
        est.model = DualScaleRegressor(est.scaler.n_out, est.config)  # type: ignore[union-attr]
        est.model.load_state_dict(load_file(str(path / "weights.safetensors")))
        est.model.eval()
        return est


def curve_scores(preds: Sequence[np.ndarray], curves: Sequence[np.ndarray]) -> dict[str, float]:
    """Pooled RMSE and Pearson r of predicted against reference (bars, 2) curves."""
    p = np.concatenate(preds)
    g = np.concatenate([np.asarray(c) for c in curves])
    out = {}
    for j, dim in enumerate(("valence", "arousal")):
        out[f"{dim}_rmse"] = rmse(g[:, j], p[:, j])
        out[f"{dim}_r"] = pearson(g[:, j], p[:, j])
    return out
