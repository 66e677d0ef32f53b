"""Codebook features inside a language model: train, save, search and steer (Tamkin et al., 2023).

`attach_codebooks(lm)` puts `CodebookLayer`s (k = 8 of 1,024 codes, as the paper does for
language models) at chosen sites of a `LanguageModel` (default: the MLP outputs of two middle
layers of SmolLM2-135M-Instruct). `init_codebooks` sets the codes by k-means on real
activations, `train_codebooks` fine-tunes only the codebooks (base model frozen) on emotional
text with the LM loss plus the codebooks' auxiliary loss, and `lm_loss` measures what the
bottleneck costs against the unmodified model.

`search_codes` ranks, for each Ekman emotion, the codes that fire most selectively on tokens of
texts labelled with it (smoothed log-odds against every other label) and shows where they fire;
`steer_codes` forces an emotion's codes at the generation positions while the model writes.

`CodebookModel.save(dir)` writes only the codebooks (``codebooks.safetensors``), the code search
(``search.json``) and the shared manifest ``affectlab.json`` (kind "codebook.lm": sites,
num_codes, k, options, the base model); `load_codebook_model(dir)` rebuilds the model in one
call (folders saved before, with ``manifest.json``, still load). A small model trained by
`benchmarks/codebook_lm.py` ships in ``default_lm/``.

>>> cbm = load_codebook_model()                        # the shipped default
>>> cbm.search["joy"][:3]                              # codes most associated with joy
>>> steer_codes(cbm, ["Tell me about your week."], "joy")
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from affectlab.codebook.insert import HFCodebooks, _attach, insert_codebooks
from affectlab.codebook.layer import CodebookLayer
from affectlab.core.errors import ManifestError, ModelNotFoundError, NotFittedError
from affectlab.core.files import read_json, save_tensors, write_json
from affectlab.core.manifest import MANIFEST, Manifest, read_manifest, write_manifest  # noqa: F401
from affectlab.core.progress import progress_bar
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.model.sites import parse_site

__all__ = [
    "DEFAULT_SITES",
    "EKMAN",
    "CodebookModel",
    "attach_codebooks",
    "code_statistics",
    "default_model_dir",
    "emotion_texts",
    "forced_code_edits",
    "init_codebooks",
    "labelled_texts",
    "lm_loss",
    "load_codebook_model",
    "normalise_emotion",
    "rank_codes",
    "read_codebook_manifest",
    "search_codes",
    "steer_codes",
    "train_codebooks",
]

#: The six Ekman emotions searched and steered ("happiness" is accepted for "joy").
EKMAN = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
#: Default insertion points in SmolLM2-135M (30 blocks): two MLP outputs inside the band where
#: direction steering works best (layers 16-25).
DEFAULT_SITES = ("blocks.18.mlp.out", "blocks.22.mlp.out")
_ALIASES = {"happiness": "joy", "happy": "joy", "sad": "sadness", "angry": "anger",
            "afraid": "fear", "scared": "fear", "surprised": "surprise", "disgusted": "disgust"}
KIND = "codebook.lm"
FORMAT_VERSION = 1
#: The manifest affectlab wrote before the shared `affectlab.json` (still read), and its format.
LEGACY_MANIFEST = "manifest.json"
LEGACY_FORMAT = "affectlab-codebook-lm/1"
WEIGHTS = "codebooks.safetensors"
SEARCH = "search.json"
_DTYPES = ("float32", "float16", "bfloat16")


def normalise_emotion(name: str) -> str:
    """An Ekman emotion name (aliases like "happiness" -> "joy"), or a clear error."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in EKMAN:
        from affectlab.errors import UnknownNameError

        raise UnknownNameError("emotion", str(name), EKMAN, aliases=_ALIASES)
    return key


def default_model_dir() -> Path:
    """Folder of the codebooks shipped for SmolLM2-135M-Instruct."""
    return Path(str(resources.files("affectlab.codebook") / "default_lm"))


# -- the model -------------------------------------------------------------------------------------
@dataclass
class CodebookModel:
    """A `LanguageModel` with codebooks hooked into it, plus what was learnt about its codes."""

    lm: LanguageModel
    hooks: HFCodebooks
    sites: list[str]
    num_codes: int
    k: int
    options: dict[str, Any] = field(default_factory=dict)
    #: per emotion, ranked codes (see `search_codes`); empty until searched or loaded
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: training and evaluation notes saved with the codebooks
    info: dict[str, Any] = field(default_factory=dict)

    def codebooks(self) -> dict[str, CodebookLayer]:
        """Codebook layers by site name."""
        return self.hooks.codebooks()  # type: ignore[return-value]

    def aux_loss(self) -> Tensor:
        """Sum of the codebooks' auxiliary losses from the last forward call."""
        return self.hooks.aux_loss()

    def generate(self, prompts: str | Sequence[str], **kwargs: Any) -> list[str]:
        """Replies of the model with its codebooks (see `LanguageModel.generate`)."""
        return self.lm.generate(prompts, **kwargs)  # type: ignore[return-value]

    @contextmanager
    def bypass(self) -> Iterator[None]:
        """Inside the block the codebooks are detached: the unmodified base model runs."""
        self.hooks.remove()
        try:
            yield
        finally:
            adapter = self.lm.adapter
            for name, layer in self.codebooks().items():
                site = parse_site(name, adapter.n_layers)
                point = adapter.hook_point(site.point, site.layer)
                self.hooks._handles.append(_attach(point, layer, site.point == "attn.head_in",
                                                   adapter))

    def remove(self) -> None:
        """Detach the codebooks for good."""
        self.hooks.remove()

    def manifest(self) -> dict[str, Any]:
        """What `load_codebook_model` needs besides the weights (the settings of the saved
        manifest: base model, sites, sizes, options, training notes)."""
        return {"format": LEGACY_FORMAT, "base_model": self.lm.name,
                "sites": list(self.sites), "num_codes": self.num_codes, "k": self.k,
                "options": self.options, "info": self.info}

    def save(self, directory: str | os.PathLike[str], dtype: str = "float32") -> Path:
        """Write the codebooks (safetensors, `dtype`), the code search, then the manifest
        ``affectlab.json`` (kind "codebook.lm"), each atomically."""
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be float32, float16 or bfloat16, got {dtype!r}")
        out = Path(directory)
        weights = {name: layer.codebook.detach().to("cpu", getattr(torch, dtype)).contiguous()
                   for name, layer in self.codebooks().items()}
        save_tensors(weights, out / WEIGHTS)
        if self.search:  # optional: not among the manifest's files
            write_json(self.search, out / SEARCH)
        elif (out / SEARCH).is_file():  # an earlier save's search does not describe these codes
            (out / SEARCH).unlink()
        labels = list(self.search) or None
        write_manifest(out, Manifest(  # last: a folder with it holds every file it names
            kind=KIND, format_version=FORMAT_VERSION, scheme="ekman6" if labels else None,
            labels=labels, backbone={"name": self.lm.name, "fingerprint": self.lm.fingerprint},
            training=dict(self.info),
            config={"sites": list(self.sites), "num_codes": self.num_codes, "k": self.k,
                    "options": dict(self.options), "dtype": dtype,
                    "search": SEARCH if self.search else None},
            files=[WEIGHTS]))
        return out


def _from_legacy(folder: Path, old: dict[str, Any]) -> Manifest:
    """The manifest of a folder saved before `affectlab.json` (``manifest.json``)."""
    if old.get("format") != LEGACY_FORMAT:
        raise ManifestError(f"{folder / LEGACY_MANIFEST} is not a saved codebook model "
                            f"(format {old.get('format')!r}, expected {LEGACY_FORMAT!r})")
    missing = [k for k in ("sites", "num_codes", "k") if k not in old]
    if missing:
        raise ManifestError(f"{folder / LEGACY_MANIFEST} lacks {', '.join(missing)}")
    searched = (folder / SEARCH).is_file()
    labels = list(read_json(folder / SEARCH)) if searched else None
    info = old.get("info", {})
    return Manifest(kind=KIND, format_version=FORMAT_VERSION, affectlab_version="",
                    scheme="ekman6" if labels else None, labels=labels or None,
                    backbone={"name": old.get("base_model"), "fingerprint": None},
                    training=info,
                    config={"sites": old["sites"], "num_codes": old["num_codes"], "k": old["k"],
                            "options": old.get("options", {}),
                            "dtype": old.get("dtype", "float32"),
                            "search": SEARCH if searched else None},
                    files=[WEIGHTS], created=str(info.get("date", "")))


def read_codebook_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """The manifest of a saved codebook model (either format), checked."""
    return read_manifest(directory, KIND, max_version=FORMAT_VERSION, what="codebook model",
                         legacy={LEGACY_MANIFEST: _from_legacy})


def attach_codebooks(lm: LanguageModel, sites: Sequence[str] = DEFAULT_SITES,
                     num_codes: int = 1024, k: int = 8, *, layer_norm: bool = False,
                     similarity: str = "inner", mse_weight: float = 1.0,
                     dead_after: int | None = 50) -> CodebookModel:
    """Hook fresh codebooks into `lm` at `sites` (randomly initialised; see `init_codebooks`).

    `layer_norm=False` (the default here) quantises the activation at its own scale: with a
    frozen base model the codes then stand in for the MLP output directly.
    """
    sites = [parse_site(s, lm.n_layers).name for s in sites]
    if not sites:
        raise ValueError("no sites given for codebooks")
    if len(set(sites)) != len(sites):
        raise ValueError(f"sites repeat: {sites}")
    options = {"layer_norm": bool(layer_norm), "similarity": similarity,
               "mse_weight": float(mse_weight), "dead_after": dead_after}
    hooks = insert_codebooks(lm, sites, num_codes, k, **options)
    for layer in hooks.codebooks().values():
        layer.eval()
    return CodebookModel(lm, hooks, sites, int(num_codes), int(k), options)


def load_codebook_model(directory: str | os.PathLike[str] | None = None,
                        lm: LanguageModel | None = None) -> CodebookModel:
    """A saved codebook model in one call: loads the base model named in the manifest (unless
    `lm` is given), attaches the codebooks and their code search. None: the shipped default."""
    from safetensors.torch import load_file

    src = default_model_dir() if directory is None else Path(directory)
    try:
        manifest = read_codebook_manifest(src)
    except ModelNotFoundError as err:
        raise ModelNotFoundError(f"{err}; train one with `affectlab codebook train --out DIR`"
                                 ) from err
    if not (src / WEIGHTS).is_file():
        raise ModelNotFoundError(f"{src} holds no saved codebook model ({WEIGHTS} missing; "
                                 "train one with `affectlab codebook train --out DIR`)")
    config = manifest.config
    if lm is None:
        from affectlab.lm import load as load_lm
        from affectlab.lm.model.loading import is_default

        base = (manifest.backbone or {}).get("name")
        lm = load_lm(None if is_default(base) else base)
    cbm = attach_codebooks(lm, config["sites"], config["num_codes"], config["k"],
                           **config.get("options", {}))
    weights = load_file(str(src / WEIGHTS))
    for name, layer in cbm.codebooks().items():
        if name not in weights:
            raise ValueError(f"{src / WEIGHTS} has no codebook for site {name}")
        w = weights[name]
        if tuple(w.shape) != tuple(layer.codebook.shape):
            raise ValueError(f"codebook {name}: saved shape {tuple(w.shape)}, model expects "
                             f"{tuple(layer.codebook.shape)} (a different base model?)")
        with torch.no_grad():
            layer.codebook.copy_(w.to(layer.codebook))
        layer.initialized.fill_(True)
    cbm.info = dict(manifest.training)
    if (src / SEARCH).is_file():
        cbm.search = read_json(src / SEARCH)
    return cbm


# -- data --------------------------------------------------------------------------------------
def emotion_texts(split: str = "train", per_label: int = 200, *, seed: int = 0,
                  corpora: Sequence[str] = ("goemotions", "carer"),
                  neutral: bool = True, max_chars: int = 300) -> list[tuple[str, str]]:
    """(text, label) pairs with one Ekman label (or "neutral"), balanced: up to `per_label` per
    label drawn evenly from `corpora` (GoEmotions' Ekman variant, CARER/dair_emotion)."""
    from affectlab import datasets

    wanted = [*EKMAN, "neutral"] if neutral else list(EKMAN)
    pools: dict[str, list[str]] = {lab: [] for lab in wanted}
    for name in corpora:
        opts = {"variant": "ekman"} if name == "goemotions" else {}
        df = datasets.load(name, split=split, **opts)
        per_corpus: dict[str, list[str]] = {lab: [] for lab in wanted}
        for text, labels in zip(df["text"], df["labels"], strict=True):
            labs = [labels] if isinstance(labels, str) else list(labels)
            if len(labs) != 1:
                continue
            lab = _ALIASES.get(labs[0], labs[0])
            text = str(text).strip()
            if lab in per_corpus and text and len(text) <= max_chars:
                per_corpus[lab].append(text)
        for lab, items in per_corpus.items():
            pools[lab].append(items)  # type: ignore[arg-type]
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for lab in wanted:
        lists = [list(x) for x in pools[lab]]  # type: ignore[arg-type]
        for items in lists:
            rng.shuffle(items)
        picked: list[str] = []
        while len(picked) < per_label and any(lists):  # round-robin over corpora
            for items in lists:
                if items and len(picked) < per_label:
                    picked.append(items.pop())
        out += [(t, lab) for t in picked]
    rng.shuffle(out)
    return out


def labelled_texts(path: str | os.PathLike[str], *, text_column: str = "text",
                   label_column: str = "label") -> list[tuple[str, str]]:
    """(text, label) pairs from a .csv, .jsonl or .parquet file of one's own, for a code search
    on other text than the packaged corpora. Emotion labels are normalised ("happiness" ->
    "joy"); other labels are kept (lower-cased) as contrast classes; empty rows are skipped."""
    import pandas as pd

    from affectlab.core.tables import file_format

    src = Path(path)
    if not src.is_file():
        raise FileNotFoundError(f"no such file: {src}")
    fmt = file_format(src)  # ValueError for other file types
    try:
        if fmt == "csv":
            frame = pd.read_csv(src, dtype=str, keep_default_na=False)
        elif fmt == "jsonl":
            frame = pd.read_json(src, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(src)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValueError(f"cannot read {src}: {exc}") from exc
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise ValueError(f"{src} lacks column(s) {missing}; found {list(frame.columns)}")
    out = []
    for text, label in zip(frame[text_column], frame[label_column], strict=True):
        text, label = str(text if text is not None else "").strip(), str(label).strip().lower()
        if not text or not label or label in ("nan", "none"):
            continue
        out.append((text, _ALIASES.get(label, label)))
    if not out:
        raise ValueError(f"{src} has no rows with both a text and a label")
    return out


def _batch(lm: LanguageModel, texts: Sequence[str], max_len: int) -> Any:
    """Raw texts as one right-padded batch, each cut to its first `max_len` tokens."""
    if not texts or any(not str(t).strip() for t in texts):
        raise ValueError("empty text: every text needs at least one token")
    tok = lm.tokenizer
    side, trunc = tok.padding_side, tok.truncation_side
    tok.padding_side, tok.truncation_side = "right", "right"
    try:
        batch = tok(list(texts), return_tensors="pt", padding=True, truncation=True,
                    max_length=max_len)
    finally:
        tok.padding_side, tok.truncation_side = side, trunc
    return batch.to(lm.device)


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


# -- initialisation, training, loss ------------------------------------------------------------
@torch.no_grad()
def init_codebooks(cbm: CodebookModel, texts: Sequence[str], *, max_len: int = 48,
                   batch_size: int = 16, max_vectors: int = 8192, iters: int = 10,
                   progress: bool = False) -> dict[str, int]:
    """K-means initialise every codebook from its real inputs, site by site in forward order (a
    later codebook sees the input it will get once the earlier ones are in place)."""
    model = cbm.lm.model
    used: dict[str, int] = {}
    order = sorted(cbm.codebooks().items(), key=lambda kv: parse_site(kv[0]).layer or 0)
    with progress_bar(progress, len(order), "k-means init") as advance:
        for name, layer in order:
            grabbed: list[Tensor] = []
            mask: list[Tensor] = []

            def grab(module: Any, args: tuple, _grabbed: list = grabbed,
                     _mask: list = mask) -> None:
                x = args[0]
                keep = _mask[0].reshape(-1).bool()
                _grabbed.append(x.reshape(-1, x.shape[-1])[keep].float().cpu())

            handle = layer.register_forward_pre_hook(grab)
            try:
                total = 0
                for sl in _batches(len(texts), batch_size):
                    batch = _batch(cbm.lm, texts[sl], max_len)
                    mask[:] = [batch["attention_mask"]]
                    model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                          use_cache=False)
                    total = sum(len(g) for g in grabbed)
                    if total >= max_vectors:
                        break
            finally:
                handle.remove()
            x = torch.cat(grabbed)[:max_vectors]
            layer.kmeans_iters = iters
            layer.init_from(layer.normalise(x.to(layer.codebook)).unsqueeze(-2))
            used[name] = int(x.shape[0])
            advance(1)
    return used


def _token_nll(lm: LanguageModel, batch: Any) -> tuple[Tensor, Tensor]:
    """(sum of next-token cross-entropies, number of predicted tokens) of a right-padded batch."""
    ids, att = batch["input_ids"], batch["attention_mask"]
    logits = lm.model(input_ids=ids, attention_mask=att, use_cache=False).logits
    target = ids[:, 1:]
    keep = att[:, 1:].bool()
    nll = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                            target.reshape(-1), reduction="none")
    nll = nll.view(target.shape) * keep
    return nll.sum(), keep.sum()


def train_codebooks(cbm: CodebookModel, texts: Sequence[str], *, steps: int = 300,
                    batch_size: int = 8, max_len: int = 48, lr: float = 1e-3,
                    aux_weight: float = 1.0, seed: int = 0, progress: bool = False,
                    log_every: int = 25) -> dict[str, Any]:
    """Fine-tune only the codebooks (base model frozen) with LM loss + `aux_weight` x the
    codebooks' auxiliary loss on random batches of `texts`; returns the loss history."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    if not texts:
        raise ValueError("no training texts")
    model = cbm.lm.model
    frozen = {n: p.requires_grad for n, p in model.named_parameters()}
    for p in model.parameters():
        p.requires_grad_(False)
    layers = list(cbm.codebooks().values())
    params = [layer.codebook for layer in layers]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    rng = random.Random(seed)
    history: list[dict[str, float]] = []
    run_lm = run_aux = 0.0
    replaced = 0
    start = time.perf_counter()
    for layer in layers:
        layer.train()
    try:
        with progress_bar(progress, steps, "training codebooks") as advance:
            for step in range(1, steps + 1):
                batch = _batch(cbm.lm, rng.sample(list(texts), min(batch_size, len(texts))),
                               max_len)
                nll, count = _token_nll(cbm.lm, batch)
                loss_lm = nll / count.clamp(min=1)
                aux = cbm.aux_loss()
                loss = loss_lm + aux_weight * aux
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                run_lm += loss_lm.item()
                run_aux += aux.item()
                replaced += sum(layer.last_replaced for layer in layers)
                if step % log_every == 0 or step == steps:
                    n = step - (history[-1]["step"] if history else 0)
                    history.append({"step": step, "lm_loss": run_lm / n, "aux_loss": run_aux / n,
                                    "codes_replaced": replaced,
                                    "seconds": time.perf_counter() - start})
                    run_lm = run_aux = 0.0
                    replaced = 0
                advance(1)
    finally:
        for layer in layers:
            layer.eval()
            layer.codebook.requires_grad_(False)
        for n, p in model.named_parameters():
            p.requires_grad_(frozen.get(n, False))
    return {"steps": steps, "batch_size": batch_size, "max_len": max_len, "lr": lr,
            "aux_weight": aux_weight, "seconds": time.perf_counter() - start,
            "history": history}


@torch.no_grad()
def lm_loss(cbm: CodebookModel, texts: Sequence[str], *, max_len: int = 48,
            batch_size: int = 16, progress: bool = False) -> dict[str, float]:
    """Mean next-token cross-entropy (nats per token) with the codebooks and without them."""
    if not texts:
        raise ValueError("no texts to score")
    out: dict[str, float] = {}
    for key, ctx in (("codebooks", ExitStack), ("base", cbm.bypass)):
        total = 0.0
        count = 0
        with ctx(), progress_bar(progress, len(texts), f"loss ({key})") as advance:
            for sl in _batches(len(texts), batch_size):
                nll, n = _token_nll(cbm.lm, _batch(cbm.lm, texts[sl], max_len))
                total += float(nll)
                count += int(n)
                advance(sl.stop - sl.start)
        out[key] = total / max(count, 1)
    out["increase"] = out["codebooks"] - out["base"]
    out["relative_increase"] = out["increase"] / out["base"]
    out["tokens"] = float(count)
    return out


# -- code search -------------------------------------------------------------------------------
def code_statistics(codes: Sequence[Tensor | np.ndarray], labels: Sequence[str], num_codes: int,
                    label_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token-level firing counts (n_labels, num_codes) and token totals (n_labels,): how often
    each code is among a token's chosen codes, for tokens of texts with each label.

    `codes[i]` holds the ids (n_tokens, k) of text i; labels outside `label_names` are skipped.
    """
    if len(codes) != len(labels):
        raise ValueError(f"{len(codes)} code arrays for {len(labels)} labels")
    names = list(label_names)
    counts = np.zeros((len(names), num_codes), dtype=np.int64)
    totals = np.zeros(len(names), dtype=np.int64)
    for ids, lab in zip(codes, labels, strict=True):
        if lab not in names:
            continue
        arr = np.asarray(ids).reshape(len(ids), -1)
        r = names.index(lab)
        totals[r] += arr.shape[0]
        for row in arr:  # a code counted once per token
            counts[r, np.unique(row)] += 1
    return counts, totals


def rank_codes(counts: np.ndarray, totals: np.ndarray, label_names: Sequence[str], emotion: str,
               *, top: int = 10, min_count: int = 5, smoothing: float = 0.5
               ) -> list[dict[str, Any]]:
    """Codes most selective for `emotion`: smoothed log-odds of firing on its tokens against all
    other labels' tokens (codes firing fewer than `min_count` times on it are skipped), with
    precision (share of firings on `emotion` tokens, classes weighted equally) and recall."""
    names = list(label_names)
    r = names.index(emotion)
    others = [i for i in range(len(names)) if i != r]
    n_e, big_e = counts[r].astype(float), float(totals[r])
    n_o, big_o = counts[others].sum(axis=0).astype(float), float(totals[others].sum())
    a = smoothing
    log_odds = (np.log((n_e + a) / (big_e - n_e + a)) - np.log((n_o + a) / (big_o - n_o + a)))
    rates = counts / np.maximum(totals[:, None], 1)
    precision = rates[r] / np.maximum(rates.sum(axis=0), 1e-12)
    eligible = np.flatnonzero(n_e >= min_count)
    order = eligible[np.argsort(-log_odds[eligible], kind="stable")][:top]
    return [{"code": int(c), "log_odds": float(log_odds[c]), "precision": float(precision[c]),
             "recall": float(n_e[c] / max(big_e, 1)), "count": int(n_e[c]),
             "count_others": int(n_o[c])} for c in order]


def _token_strings(lm: LanguageModel, ids: Sequence[int]) -> list[str]:
    return [lm.tokenizer.decode([int(t)]) for t in ids]


def _context(tokens: Sequence[str], i: int, before: int = 8, after: int = 3) -> str:
    left = "".join(tokens[max(0, i - before):i])
    right = "".join(tokens[i + 1:i + 1 + after])
    return f"{left}[[{tokens[i]}]]{right}".replace("\n", " ").strip()


@torch.no_grad()
def record_codes(cbm: CodebookModel, texts: Sequence[str], *, max_len: int = 48,
                 batch_size: int = 16, progress: bool = False
                 ) -> tuple[dict[str, list[Tensor]], list[list[int]]]:
    """Per site, the chosen code ids (n_tokens, k) of every text, and each text's token ids."""
    layers = cbm.codebooks()
    per_site: dict[str, list[Tensor]] = {name: [] for name in layers}
    token_ids: list[list[int]] = []
    with progress_bar(progress, len(texts), "recording codes") as advance:
        for sl in _batches(len(texts), batch_size):
            batch = _batch(cbm.lm, texts[sl], max_len)
            lengths = batch["attention_mask"].sum(dim=1).tolist()
            with ExitStack() as stack:
                recs = {name: stack.enter_context(layer.record())
                        for name, layer in layers.items()}
                cbm.lm.model(input_ids=batch["input_ids"],
                             attention_mask=batch["attention_mask"], use_cache=False)
            for name, rec in recs.items():
                ids = rec[-1]
                per_site[name] += [ids[b, :n] for b, n in enumerate(lengths)]
            token_ids += [row[:n] for row, n in zip(batch["input_ids"].tolist(), lengths,
                                                    strict=True)]
            advance(sl.stop - sl.start)
    return per_site, token_ids


def search_codes(cbm: CodebookModel, texts: Sequence[str], labels: Sequence[str], *,
                 emotions: Sequence[str] = EKMAN, top: int = 10, min_count: int = 5,
                 examples: int = 3, max_len: int = 48, batch_size: int = 16,
                 progress: bool = False) -> dict[str, list[dict[str, Any]]]:
    """For each emotion, the codes (over all sites) most associated with tokens of texts labelled
    with it, best first, each with example contexts (the firing token in [[ ]]). Also stored in
    `cbm.search`."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts for {len(labels)} labels")
    emotions = [normalise_emotion(e) for e in emotions]
    names = sorted(set(labels) | set(emotions))
    per_site, token_ids = record_codes(cbm, texts, max_len=max_len, batch_size=batch_size,
                                       progress=progress)
    result: dict[str, list[dict[str, Any]]] = {}
    strings: dict[int, list[str]] = {}
    for emotion in emotions:
        ranked: list[dict[str, Any]] = []
        for site, codes in per_site.items():
            counts, totals = code_statistics(codes, labels, cbm.num_codes, names)
            if totals[names.index(emotion)] == 0:
                raise ValueError(f"no texts labelled {emotion!r} to search with")
            for entry in rank_codes(counts, totals, names, emotion, top=top,
                                    min_count=min_count):
                ranked.append({"site": site, **entry})
        ranked.sort(key=lambda e: -e["log_odds"])
        ranked = ranked[:top]
        for entry in ranked:
            found: list[str] = []
            codes = per_site[entry["site"]]
            for i, (ids, lab) in enumerate(zip(codes, labels, strict=True)):
                if lab != emotion:
                    continue
                hits = (ids == entry["code"]).any(dim=-1).nonzero().flatten().tolist()
                if hits:
                    if i not in strings:
                        strings[i] = _token_strings(cbm.lm, token_ids[i])
                    found.append(_context(strings[i], hits[0]))
                if len(found) >= examples:
                    break
            entry["examples"] = found
        result[emotion] = ranked
    cbm.search = result
    return result


# -- steering ----------------------------------------------------------------------------------
def emotion_codes(cbm: CodebookModel, emotion: str, n_codes: int | None = None
                  ) -> dict[str, list[int]]:
    """Per site, the top `n_codes` (default k) codes of `emotion` from the model's code search."""
    emotion = normalise_emotion(emotion)
    if not cbm.search.get(emotion):
        raise NotFittedError("codebook model", f"it has no code search for {emotion!r}: run "
                             "`search_codes` (or `affectlab codebook train`) first")
    n = cbm.k if n_codes is None else int(n_codes)
    if not 1 <= n <= cbm.k:
        raise ValueError(f"n_codes must lie in [1, k={cbm.k}], got {n_codes}")
    out: dict[str, list[int]] = {}
    for entry in cbm.search[emotion]:
        picked = out.setdefault(entry["site"], [])
        if len(picked) < n:
            picked.append(int(entry["code"]))
    return out


@contextmanager
def forced_code_edits(cbm: CodebookModel, codes: Mapping[str, Sequence[int]],
                      positions: str = "generation") -> Iterator[None]:
    """Inside the block, each site's output is the mean of the given codes at the generation
    positions (the prompt's last token and every generated token; "all": every position)."""
    if positions not in ("generation", "all"):
        raise ValueError(f"positions must be 'generation' or 'all', got {positions!r}")
    layers = cbm.codebooks()
    unknown = sorted(set(codes) - set(layers))
    if unknown:
        raise ValueError(f"no codebook at {unknown}; the model has {sorted(layers)}")
    handles = []
    stacks: dict[str, ExitStack] = {}

    def make(name: str, layer: CodebookLayer, ids: Tensor) -> tuple[Callable, Callable]:
        def pre(module: Any, args: tuple) -> None:
            x = args[0]
            forced = torch.full((*x.shape[:-1], ids.numel()), -1, dtype=torch.long)
            if positions == "all" or x.ndim < 3 or x.shape[-2] == 1:
                forced[...] = ids
            else:
                forced[..., -1, :] = ids
            stack = ExitStack()
            stack.enter_context(layer.force_codes(forced))
            stacks[name] = stack

        def post(module: Any, args: tuple, output: Any) -> None:
            stack = stacks.pop(name, None)
            if stack is not None:
                stack.close()

        return pre, post

    try:
        for name, ids in codes.items():
            layer = layers[name]
            t = torch.as_tensor(list(ids), dtype=torch.long)
            if t.numel() != cbm.k:
                # fewer codes than k: every position takes their mean (no -1 allowed then)
                t = t[torch.arange(cbm.k) % t.numel()] if t.numel() else t
            if not t.numel():
                continue
            pre, post = make(name, layer, t)
            handles.append(layer.register_forward_pre_hook(pre))
            handles.append(layer.register_forward_hook(post))
        yield
    finally:
        for h in handles:
            h.remove()
        for stack in stacks.values():
            stack.close()


def steer_codes(cbm: CodebookModel, prompts: str | Sequence[str], emotion: str, *,
                n_codes: int | None = None, sites: Sequence[str] | None = None,
                positions: str = "generation", system: str | None = None,
                max_new_tokens: int = 48, **generate_kwargs: Any) -> list[str]:
    """Replies written with `emotion`'s codes forced at the generation positions (neutral
    system prompt by default)."""
    from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM

    items = [prompts] if isinstance(prompts, str) else list(prompts)
    if not items or any(not str(p).strip() for p in items):
        raise ValueError("empty prompt: give at least one non-empty prompt")
    codes = emotion_codes(cbm, emotion, n_codes)
    if sites is not None:
        wanted = [parse_site(s, cbm.lm.n_layers).name for s in sites]
        codes = {s: c for s, c in codes.items() if s in wanted}
        if not codes:
            raise ValueError(f"no codes of {emotion!r} at sites {wanted}")
    with forced_code_edits(cbm, codes, positions):
        return cbm.lm.generate(items, system=NEUTRAL_SYSTEM if system is None else system,
                               max_new_tokens=max_new_tokens,
                               **generate_kwargs)  # type: ignore[return-value]


def summary_line(entry: Mapping[str, Any]) -> str:
    """One line for a ranked code: site, id, log-odds, precision, recall."""
    return (f"{entry['site']} code {entry['code']}: log-odds {entry['log_odds']:.2f}, "
            f"precision {entry['precision']:.2f}, recall {entry['recall']:.3f}")

