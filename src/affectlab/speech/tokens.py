"""Discrete audio tokens: turn frame features into integer tokens and back.

Small tokenizers that train on a CPU in seconds, after the taxonomy of "Discrete Audio Tokens:
More Than a Survey!" (Mousavi et al., 2025): a clustering tokenizer (k-means on frames, the
semantic-token recipe) and compression tokenizers (an autoencoder with a vector, residual-vector
or finite-scalar quantiser bottleneck, the acoustic-token recipe), all over log-mel frames
(`affectlab.speech.features.frames(audio, "logmel")`, 100 frames/s, 64 bands).

Every tokenizer is an estimator with one API:

- hyper-parameters only in ``__init__``; ``fit(frames_list)`` learns per-band standardisation and
  the codebooks from a list of (T, n_features) arrays;
- ``encode(frames)`` -> int64 array (T // stack, n_codebooks): consecutive ``stack`` frames form one
  token step, so the default ``stack=2`` gives 50 tokens/s;
- ``decode(ids)`` -> frames (n_steps * stack, n_features) in the input's units;
- ``bitrate`` = token rate x Σ log2(codebook size), in bits per second;
- ``save(folder)`` writes ``tokenizer.safetensors`` (standardisation and weights), then the shared
  manifest ``affectlab.json`` (kind "speech.tokenizer": what it is, its settings, what it was fit
  on); ``load_tokenizer(folder)`` reloads it, and reads folders saved by older affectlab (with
  ``tokenizer.json``) too.

Tokenizers are scikit-learn estimators (``sklearn.base.clone`` works).

`bag_of_tokens` turns token sequences into sparse count features (per-codebook unigrams plus
hashed bigrams of the first codebook) for utterance-level classifiers.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from affectlab.core.errors import NotFittedError, UnknownNameError
from affectlab.core.manifest import MANIFEST, Manifest, check_legacy

KIND = "speech.tokenizer"
FORMAT_VERSION = 1
#: The settings file: the shared manifest.
CONFIG = MANIFEST
#: What older affectlab wrote instead of `affectlab.json` (still read), and its format tag.
LEGACY_CONFIG = "tokenizer.json"
FORMAT = "affectlab.speech.tokens"
WEIGHTS = "tokenizer.safetensors"
#: Bigrams of the first codebook are hashed into this many columns by `bag_of_tokens`.
BIGRAM_BUCKETS = 2 ** 16


def _check_frames(frames: Any, n_features: int, stack: int, what: str = "frames") -> np.ndarray:
    """One utterance's frames as finite float32 (T, n_features) with at least `stack` rows."""
    if isinstance(frames, (str, bytes, os.PathLike)):
        raise TypeError(f"{what} must be an array of frame features, not a path; use "
                        "affectlab.speech.features.frames(path, 'logmel') first")
    x = np.asarray(frames)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{what} must hold numbers, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"{what} must have shape (T, {n_features}), got {x.shape}")
    if x.shape[0] < stack:
        raise ValueError(f"{what} has {x.shape[0]} frame(s); at least stack={stack} are needed")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(f"{what} holds NaN or infinite values")
    return x


def _check_list(frames_list: Any) -> list:
    if isinstance(frames_list, np.ndarray) and frames_list.ndim == 2:
        raise TypeError("fit expects a list of (T, n_features) arrays, one per utterance; "
                        "wrap a single array in a list")
    items = list(frames_list)
    if not items:
        raise ValueError("fit needs at least one utterance of frames")
    return items


class AudioTokenizer(BaseEstimator):
    """Base class: standardise, stack `stack` frames per step, quantise; see the module doc."""

    kind: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[AudioTokenizer]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            AudioTokenizer._registry[cls.kind] = cls

    def __init__(self, *, n_features: int = 64, stack: int = 2, frame_rate: float = 100.0,
                 seed: int = 0) -> None:
        self.n_features = n_features
        self.stack = stack
        self.frame_rate = frame_rate
        self.seed = seed

    # --- settings ----------------------------------------------------------------------------

    def _json_params(self) -> dict[str, Any]:
        """The constructor's arguments (`get_params`) with tuples as lists, for the manifest."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in self.get_params(deep=False).items()}

    def _validate_params(self) -> None:
        if int(self.n_features) < 1 or int(self.stack) < 1:
            raise ValueError(f"n_features and stack must be positive, got {self.n_features} "
                             f"and {self.stack}")
        if not float(self.frame_rate) > 0:
            raise ValueError(f"frame_rate must be positive, got {self.frame_rate}")

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        """Size of each codebook (one entry per token column)."""
        raise NotImplementedError

    @property
    def token_rate(self) -> float:
        """Token steps per second: frame rate / stack."""
        return float(self.frame_rate) / int(self.stack)

    @property
    def bitrate(self) -> float:
        """Bits per second: token rate x Σ log2(codebook size)."""
        return self.token_rate * sum(math.log2(s) for s in self.codebook_sizes)

    @property
    def fitted(self) -> bool:
        """Whether `fit` (or a load) has run."""
        return hasattr(self, "mean_")

    def _need_fit(self) -> None:
        if not self.fitted:
            raise NotFittedError(self, "call fit(frames_list) or load_tokenizer(folder) first")

    def __sklearn_is_fitted__(self) -> bool:
        return self.fitted

    # --- frames <-> standardised stacked steps -----------------------------------------------

    def _steps(self, frames: Any, what: str = "frames") -> np.ndarray:
        """Standardised frames, tail cut to a multiple of `stack`, as (T // stack, stack * F)."""
        x = _check_frames(frames, int(self.n_features), int(self.stack), what)
        n = len(x) // int(self.stack) * int(self.stack)
        z = (x[:n] - self.mean_) / self.std_
        return z.reshape(n // int(self.stack), -1)

    def _unsteps(self, steps: np.ndarray) -> np.ndarray:
        """Inverse of `_steps` (after quantisation): frames in input units."""
        z = np.asarray(steps, dtype=np.float32).reshape(-1, int(self.n_features))
        return z * self.std_ + self.mean_

    def _check_ids(self, ids: Any) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"token ids must be integers, got dtype {ids.dtype}")
        n = len(self.codebook_sizes)
        if ids.ndim != 2 or ids.shape[1] != n:
            raise ValueError(f"token ids must have shape (steps, {n}), "
                             f"got {ids.shape}")
        high = np.asarray(self.codebook_sizes)
        if ids.size and ((ids < 0).any() or (ids >= high).any()):
            raise ValueError(f"token ids must lie in [0, codebook size) for codebook sizes "
                             f"{list(self.codebook_sizes)}")
        return ids.astype(np.int64)

    # --- the estimator API --------------------------------------------------------------------

    def fit(self, frames_list: Sequence[Any]) -> AudioTokenizer:
        """Learn standardisation and codebooks from a list of (T, n_features) frame arrays."""
        self._validate_params()
        items = _check_list(frames_list)
        xs = [_check_frames(f, int(self.n_features), int(self.stack), f"frames_list[{i}]")
              for i, f in enumerate(items)]
        allx = np.concatenate(xs)
        self.mean_ = allx.mean(0).astype(np.float32)
        self.std_ = np.maximum(allx.std(0), 1e-5).astype(np.float32)
        steps = np.concatenate([self._steps(x) for x in xs])
        start = time.perf_counter()
        self._fit_steps(steps)
        self.fit_info_ = {"n_sequences": len(xs), "n_frames": len(allx),
                          "n_steps": len(steps),
                          "fit_seconds": round(time.perf_counter() - start, 2)}
        return self

    def encode(self, frames: Any) -> np.ndarray:
        """Token ids, int64 (T // stack, n_codebooks), of one utterance's frames."""
        self._need_fit()
        return self._encode_steps(self._steps(frames))

    def decode(self, ids: Any) -> np.ndarray:
        """Frames (steps * stack, n_features), in the input's units, from token ids."""
        self._need_fit()
        return self._unsteps(self._decode_steps(self._check_ids(ids)))

    def reconstruct(self, frames: Any) -> np.ndarray:
        """decode(encode(frames)): the frames as the tokens keep them (tail cut to `stack`)."""
        return self.decode(self.encode(frames))

    def reconstruction_mse(self, frames_list: Sequence[Any]) -> float:
        """Mean squared error of `reconstruct` over all frames, in standardised units."""
        self._need_fit()
        total, count = 0.0, 0
        for i, f in enumerate(_check_list(frames_list)):
            z = self._steps(f, f"frames_list[{i}]")
            r = self._decode_steps(self._encode_steps(z))
            total += float(((r - z) ** 2).sum())
            count += z.size
        return total / count

    # --- persistence --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write `tokenizer.safetensors`, then the manifest `affectlab.json`, into folder `path`."""
        self._need_fit()
        from affectlab.core.files import save_arrays
        from affectlab.core.manifest import write_manifest

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        save_arrays({"mean": self.mean_, "std": self.std_, **self._arrays()}, folder / WEIGHTS)
        manifest = Manifest(
            kind=KIND, format_version=FORMAT_VERSION,
            backbone="logmel frames (affectlab.speech.features.frames)",
            training=dict(getattr(self, "fit_info_", {})),
            config={"tokenizer": self.kind, "params": self._json_params(),
                    "codebook_sizes": list(self.codebook_sizes), "token_rate": self.token_rate,
                    "bitrate": self.bitrate},
            files=[WEIGHTS])
        write_manifest(folder, manifest)
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AudioTokenizer:
        """Reload a saved tokenizer (same as `load_tokenizer`)."""
        tok = load_tokenizer(path)
        if not isinstance(tok, cls):
            raise TypeError(f"{path} holds a {type(tok).__name__}, not a {cls.__name__}")
        return tok

    # --- what subclasses implement ------------------------------------------------------------

    def _fit_steps(self, steps: np.ndarray) -> None:
        raise NotImplementedError

    def _encode_steps(self, steps: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _decode_steps(self, ids: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class KMeansTokenizer(AudioTokenizer):
    """Clustering tokens: MiniBatchKMeans on standardised stacked frames; decode = centroid."""

    kind = "kmeans"

    def __init__(self, n_codes: int = 256, *, batch_size: int = 4096, max_iter: int = 50,
                 n_init: int = 1, n_features: int = 64, stack: int = 2,
                 frame_rate: float = 100.0, seed: int = 0) -> None:
        super().__init__(n_features=n_features, stack=stack, frame_rate=frame_rate, seed=seed)
        self.n_codes = n_codes
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_init = n_init

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        return (int(self.n_codes),)

    @property
    def n_codebooks(self) -> int:
        """Token columns per step (one)."""
        return 1

    def _fit_steps(self, steps: np.ndarray) -> None:
        if int(self.n_codes) < 2:
            raise ValueError(f"n_codes must be at least 2, got {self.n_codes}")
        if len(steps) < int(self.n_codes):
            raise ValueError(f"k-means with {self.n_codes} codes needs at least as many token "
                             f"steps; got {len(steps)}")
        from sklearn.cluster import MiniBatchKMeans

        km = MiniBatchKMeans(n_clusters=int(self.n_codes), batch_size=int(self.batch_size),
                             max_iter=int(self.max_iter), n_init=int(self.n_init),
                             random_state=int(self.seed))
        km.fit(steps)
        self.centroids_ = km.cluster_centers_.astype(np.float32)

    def _encode_steps(self, steps: np.ndarray) -> np.ndarray:
        c = self.centroids_
        ids = np.empty(len(steps), np.int64)
        cc = (c * c).sum(1)
        for s in range(0, len(steps), 8192):  # chunks keep the distance matrix small
            x = steps[s:s + 8192]
            ids[s:s + 8192] = (cc[None] - 2 * x @ c.T).argmin(1)
        return ids[:, None]

    def _decode_steps(self, ids: np.ndarray) -> np.ndarray:
        return self.centroids_[ids[:, 0]]

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"centroids": self.centroids_}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.centroids_ = arrays["centroids"].astype(np.float32)


QUANTIZERS = ("vq", "rvq", "fsq")


class QuantizerTokenizer(AudioTokenizer):
    """Compression tokens: MLP autoencoder over stacked frames with a VQ, RVQ or FSQ bottleneck.

    Args:
        quantizer: "vq" (one codebook), "rvq" (`n_codebooks` residual stages) or "fsq"
            (levels `levels`, one token of prod(levels) values).
        codebook_size: codes per codebook for "vq" and "rvq".
        n_codebooks: residual stages for "rvq" (1-8); "vq" and "fsq" make one token per step.
        levels: FSQ levels per latent dimension (the latent size for "fsq").
        latent_dim: latent size for "vq" and "rvq".
        hidden: width of the two hidden layers of encoder and decoder.
        epochs, batch_size, lr: Adam training over shuffled token steps.
        commitment: commitment weight of the vector quantisers.
        dead_after: steps a code may go unused before it is replaced by a random input.
        threads: torch threads while fitting and encoding (None leaves torch's setting).
    """

    kind = "autoencoder"

    def __init__(self, quantizer: str = "vq", *, codebook_size: int = 256, n_codebooks: int = 1,
                 levels: Sequence[int] = (8, 5, 5, 5), latent_dim: int = 32, hidden: int = 256,
                 epochs: int = 10, batch_size: int = 512, lr: float = 2e-3,
                 commitment: float = 0.25, dead_after: int | None = 100,
                 threads: int | None = None, n_features: int = 64, stack: int = 2,
                 frame_rate: float = 100.0, seed: int = 0) -> None:
        super().__init__(n_features=n_features, stack=stack, frame_rate=frame_rate, seed=seed)
        self.quantizer = quantizer
        self.codebook_size = codebook_size
        self.n_codebooks = n_codebooks
        self.levels = levels
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.commitment = commitment
        self.dead_after = dead_after
        self.threads = threads

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.quantizer not in QUANTIZERS:
            raise UnknownNameError("quantizer", str(self.quantizer), QUANTIZERS)
        if self.quantizer in ("vq", "fsq") and int(self.n_codebooks) != 1:
            raise ValueError(f"quantizer={self.quantizer!r} makes one token per step; for "
                             f"n_codebooks={self.n_codebooks} use quantizer='rvq'")
        if self.quantizer == "rvq" and not 1 <= int(self.n_codebooks) <= 8:
            raise ValueError(f"n_codebooks must lie in [1, 8] for 'rvq', got {self.n_codebooks}")
        if self.quantizer in ("vq", "rvq") and int(self.codebook_size) < 2:
            raise ValueError(f"codebook_size must be at least 2, got {self.codebook_size}")
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            raise ValueError("epochs and batch_size must be positive")

    @property
    def codebook_sizes(self) -> tuple[int, ...]:
        if self.quantizer == "fsq":
            return (math.prod(int(v) for v in self.levels),)
        n = 1 if self.quantizer == "vq" else int(self.n_codebooks)
        return (int(self.codebook_size),) * n

    def _build(self) -> None:
        import torch
        from torch import nn

        from affectlab.codebook import (
            FiniteScalarQuantizer,
            ResidualVectorQuantizer,
            VectorQuantizer,
        )

        d_in, h = int(self.n_features) * int(self.stack), int(self.hidden)
        if self.quantizer == "fsq":
            q: nn.Module = FiniteScalarQuantizer(tuple(int(v) for v in self.levels))
        elif self.quantizer == "vq":
            q = VectorQuantizer(int(self.codebook_size), int(self.latent_dim),
                                commitment=float(self.commitment), kmeans_init=True,
                                dead_after=self.dead_after)
        else:
            q = ResidualVectorQuantizer(int(self.n_codebooks), int(self.codebook_size),
                                        int(self.latent_dim), commitment=float(self.commitment),
                                        kmeans_init=True, dead_after=self.dead_after)
        d_lat = q.dim
        self.model_ = nn.ModuleDict({
            "encoder": nn.Sequential(nn.Linear(d_in, h), nn.GELU(), nn.Linear(h, h), nn.GELU(),
                                     nn.Linear(h, d_lat)),
            "quantizer": q,
            "decoder": nn.Sequential(nn.Linear(d_lat, h), nn.GELU(), nn.Linear(h, h), nn.GELU(),
                                     nn.Linear(h, d_in)),
        }).to(torch.float32)

    def _threads(self):
        """A context that sets torch's thread count for the call when `threads` is given."""
        import contextlib

        import torch

        @contextlib.contextmanager
        def ctx():
            old = torch.get_num_threads()
            if self.threads:
                torch.set_num_threads(int(self.threads))
            try:
                yield
            finally:
                torch.set_num_threads(old)
        return ctx()

    def _fit_steps(self, steps: np.ndarray) -> None:
        import torch

        with self._threads(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.seed))
            self._build()
            model = self.model_
            x = torch.from_numpy(np.ascontiguousarray(steps))
            gen = torch.Generator().manual_seed(int(self.seed))
            q = model["quantizer"]
            if hasattr(q, "init_from"):  # k-means codebooks on a sample of initial latents
                sample = x[torch.randperm(len(x), generator=gen)[:16384]]
                with torch.no_grad():
                    q.init_from(model["encoder"](sample))
            opt = torch.optim.Adam(model.parameters(), lr=float(self.lr))
            bs = int(self.batch_size)
            n_batches = max(1, math.ceil(len(x) / bs))
            sched = torch.optim.lr_scheduler.OneCycleLR(
                opt, max_lr=float(self.lr), total_steps=int(self.epochs) * n_batches,
                pct_start=0.1)
            model.train()
            history = []
            for _ in range(int(self.epochs)):
                order = torch.randperm(len(x), generator=gen)
                total = 0.0
                for b in range(n_batches):
                    xb = x[order[b * bs:(b + 1) * bs]]
                    out = q(model["encoder"](xb))
                    recon = model["decoder"](out.quantized)
                    rec_loss = torch.nn.functional.mse_loss(recon, xb)
                    loss = rec_loss + out.loss
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    sched.step()
                    total += rec_loss.item() * len(xb)
                history.append(round(total / len(x), 5))
            model.eval()
            self.train_loss_ = history

    def _encode_steps(self, steps: np.ndarray) -> np.ndarray:
        import torch

        with self._threads(), torch.inference_mode():
            z = self.model_["encoder"](torch.from_numpy(np.ascontiguousarray(steps)))
            return self.model_["quantizer"](z).codes.numpy().astype(np.int64)

    def _decode_steps(self, ids: np.ndarray) -> np.ndarray:
        import torch

        with self._threads(), torch.inference_mode():
            v = self.model_["quantizer"].decode_codes(torch.from_numpy(ids))
            return self.model_["decoder"](v).numpy()

    def _arrays(self) -> dict[str, np.ndarray]:
        return {f"model.{k}": v.detach().cpu().numpy()
                for k, v in self.model_.state_dict().items()}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        import torch

        self._build()
        state = {k[len("model."):]: torch.from_numpy(v) for k, v in arrays.items()
                 if k.startswith("model.")}
        self.model_.load_state_dict(state)
        self.model_.eval()


def make_tokenizer(name: str, **params: Any) -> AudioTokenizer:
    """A tokenizer by short name: "kmeans", "vq", "rvq" or "fsq" (params go to its constructor)."""
    key = str(name).strip().lower()
    if key == "kmeans":
        return KMeansTokenizer(**params)
    if key in QUANTIZERS:
        return QuantizerTokenizer(key, **params)
    raise UnknownNameError("tokenizer", str(name), ("kmeans", *QUANTIZERS))


def load_tokenizer(path: str | os.PathLike[str]) -> AudioTokenizer:
    """Reload a tokenizer saved with `save(folder)`, ready to encode and decode (folders saved
    by older affectlab, with `tokenizer.json`, too)."""
    from affectlab.core.files import load_arrays
    from affectlab.core.manifest import read_manifest

    folder = Path(path)
    manifest = read_manifest(folder, KIND, max_version=FORMAT_VERSION, what="audio tokenizer",
                             legacy={LEGACY_CONFIG: _from_legacy})
    config = manifest.config
    kind = config.get("tokenizer")
    if kind not in AudioTokenizer._registry:
        raise UnknownNameError("tokenizer kind", str(kind), AudioTokenizer._registry)
    arrays = load_arrays(folder / WEIGHTS)
    # JSON has no tuples: sequences come back as the tuples the constructors default to
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in config["params"].items()}
    tok = AudioTokenizer._registry[kind](**params)
    tok._validate_params()
    tok.mean_ = arrays["mean"].astype(np.float32)
    tok.std_ = arrays["std"].astype(np.float32)
    tok._restore(arrays)
    tok.fit_info_ = dict(manifest.training)
    return tok


def _from_legacy(folder: Path, config: dict[str, Any]) -> Manifest:
    """The manifest of a tokenizer saved before `affectlab.json` (`tokenizer.json`)."""
    newer = check_legacy(folder / LEGACY_CONFIG, config, format_tag=FORMAT,
                         what="audio tokenizer", kind=KIND, max_version=FORMAT_VERSION,
                         required=("tokenizer", "params"))
    if newer is not None:  # read_manifest says which version, and to upgrade
        return newer
    version = int(config.get("version", 0))
    return Manifest(
        kind=KIND, format_version=version,
        affectlab_version=str(config.get("affectlab", "")), backbone=config.get("features"),
        training=dict(config.get("fit") or {}),
        config={k: config[k] for k in ("tokenizer", "params", "codebook_sizes", "token_rate",
                                       "bitrate") if k in config},
        files=[WEIGHTS])


def bag_of_tokens(ids_list: Sequence[np.ndarray], codebook_sizes: Sequence[int], *,
                  bigrams: bool = True, buckets: int = BIGRAM_BUCKETS):
    """Sparse counts (n_utterances, Σ sizes [+ buckets]): unigrams of every codebook side by side,
    plus bigrams of the first codebook hashed into `buckets` columns."""
    from scipy import sparse

    sizes = [int(s) for s in codebook_sizes]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    width = int(offsets[-1]) + (int(buckets) if bigrams else 0)
    rows, cols = [], []
    for r, ids in enumerate(ids_list):
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.shape[1] != len(sizes):
            raise ValueError(f"ids_list[{r}] must have shape (steps, {len(sizes)}), "
                             f"got {ids.shape}")
        c = (ids + offsets[:-1]).reshape(-1)
        if bigrams and len(ids) > 1:
            a, b = ids[:-1, 0].astype(np.int64), ids[1:, 0].astype(np.int64)
            c = np.concatenate([c, offsets[-1] + (a * sizes[0] + b) % int(buckets)])
        rows.append(np.full(len(c), r))
        cols.append(c)
    rows_a = np.concatenate(rows) if rows else np.zeros(0, int)
    cols_a = np.concatenate(cols) if cols else np.zeros(0, int)
    data = np.ones(len(rows_a), np.float32)
    return sparse.csr_matrix((data, (rows_a, cols_a)), shape=(len(ids_list), width))


__all__ = ["BIGRAM_BUCKETS", "CONFIG", "FORMAT", "KIND", "LEGACY_CONFIG", "QUANTIZERS",
           "WEIGHTS", "AudioTokenizer",
           "KMeansTokenizer", "NotFittedError", "QuantizerTokenizer", "bag_of_tokens",
           "load_tokenizer", "make_tokenizer"]
