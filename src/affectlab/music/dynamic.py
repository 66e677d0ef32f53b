"""Per-bar valence/arousal of music with a dual-scale attention model (after Personalized DMER).

A small transformer encoder reads the windowed attributes of a piece. The same encoder runs twice,
once with a local band mask (each bar sees its neighbours within `local_width` bars) and once
with a global band mask (`global_width` bars, or the whole piece); the two outputs are summed
and squashed through a sigmoid onto [-1, 1]. `scales="local"` or `"global"` keeps one branch
only, the ablations the dual model is compared against.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import Tensor, nn

from affectlab.core.errors import NotFittedError
from affectlab.core.progress import track
from affectlab.metrics.continuous import pearson, rmse
from affectlab.music.attributes import ATTRIBUTES

SCALES = ("dual", "local", "global")
KIND = "music.dynamic"
WEIGHTS = "weights.safetensors"


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
        """Standardised, clipped rows with NaN as 0, plus the `silent` column."""
        if self.mean is None or self.scale is None:
            raise NotFittedError(self)
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


class DynamicMusicEmotion(BaseEstimator):
    """Per-bar valence/arousal estimator: fit on (attribute rows, curve) pairs, predict curves.

    `config` (a `DynamicConfig`; None: the defaults) holds every hyper-parameter; the fitted
    state is `scaler_` and `model_` (also readable as `scaler` and `model`).
    """

    def __init__(self, config: DynamicConfig | None = None) -> None:
        self.config = config

    @property
    def settings(self) -> DynamicConfig:
        """The configuration in use (`config`, or the defaults when it is None)."""
        return self.config if self.config is not None else DynamicConfig()

    @property
    def scaler(self) -> BarScaler | None:
        """The fitted input scaler (`scaler_`; None before `fit` or `load`)."""
        return getattr(self, "scaler_", None)

    @property
    def model(self) -> DualScaleRegressor | None:
        """The fitted network (`model_`; None before `fit` or `load`)."""
        return getattr(self, "model_", None)

    def fit(self, features: Sequence[np.ndarray], curves: Sequence[np.ndarray],
            progress: bool = False) -> DynamicMusicEmotion:
        """`features[i]` is (bars, n_attributes), `curves[i]` (bars, 2) valence/arousal."""
        if len(features) != len(curves) or not features:
            raise ValueError("need as many curves as feature sequences, and at least one")
        c = self.settings
        torch.manual_seed(c.seed)
        rng = np.random.default_rng(c.seed)
        scaler = BarScaler().fit(np.concatenate(features))
        xs = [scaler.transform(f) for f in features]
        model = DualScaleRegressor(scaler.n_out, c)
        opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        model.train()
        for _ in track(range(c.epochs), f"dynamic ({c.scales})", show=progress):
            order = rng.permutation(len(xs))
            for start in range(0, len(order), c.batch_size):
                idx = order[start: start + c.batch_size]
                x, pad = pad_batch([xs[i] for i in idx])
                y, _ = pad_batch([curves[i] for i in idx])
                loss = masked_mse(model(x, pad), y, pad)
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        self.scaler_, self.model_ = scaler, model
        return self

    def transform_features(self, features: np.ndarray) -> np.ndarray:
        """One piece's attribute rows as the network reads them (scaled, with `silent`)."""
        if self.scaler is None or self.model is None:
            raise NotFittedError(self)
        return self.scaler_.transform(features)

    def predict(self, features: np.ndarray | Sequence[np.ndarray]) -> np.ndarray | list[np.ndarray]:
        """(bars, 2) valence/arousal per bar for one sequence, or a list for several."""
        single = isinstance(features, np.ndarray)
        seqs = [features] if single else list(features)
        xs = [self.transform_features(f) for f in seqs]
        with torch.no_grad():
            x, pad = pad_batch(xs)
            y = self.model_(x, pad).numpy()
        out = [y[i, : len(s)] for i, s in enumerate(xs)]
        return out[0] if single else out

    def score(self, features: Sequence[np.ndarray], curves: Sequence[np.ndarray]) -> dict[str, float]:
        """RMSE and Pearson r per dimension over all bars pooled."""
        return curve_scores(self.predict(list(features)), curves)  # type: ignore[arg-type]

    def save(self, folder: str | os.PathLike[str], *,
             training: dict[str, Any] | None = None) -> Path:
        """Write the model folder: `weights.safetensors`, then `affectlab.json` (kind
        "music.dynamic": the configuration and the input scaler)."""
        from affectlab.music.saved import save_torch_model

        if self.model is None or self.scaler is None:
            raise NotFittedError(self, "nothing to save: call fit() first")
        return save_torch_model(
            folder, KIND, "dynamic music emotion model", WEIGHTS, self.model_.state_dict(),
            {"attributes": list(ATTRIBUTES), "outputs": ["valence", "arousal"],
             "model": asdict(self.settings),
             "scaler": {"mean": self.scaler_.mean.tolist(), "scale": self.scaler_.scale.tolist()}},
            training=training)

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> DynamicMusicEmotion:
        """A saved model folder (also one older affectlab wrote, with `config.json`)."""
        from affectlab.music.saved import read_torch_model

        config, state = read_torch_model(
            folder, KIND, "dynamic music emotion model", WEIGHTS, legacy_name="config.json",
            convert=lambda old: {"attributes": old["attributes"], "model": old["config"],
                                 "scaler": {"mean": old["mean"], "scale": old["scale"]}})
        est = cls(config=DynamicConfig(**config["model"]))
        scaler = BarScaler(np.asarray(config["scaler"]["mean"]),
                           np.asarray(config["scaler"]["scale"]))
        model = DualScaleRegressor(scaler.n_out, est.settings)
        model.load_state_dict(state)
        model.eval()
        est.scaler_, est.model_ = scaler, model
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
