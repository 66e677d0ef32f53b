"""A faster engine for the text models: the encoder and every head exported once to ONNX and
run with ONNX Runtime (optionally with int8 dynamic quantisation of the weights, one scale per
output channel), cached per model in affectlab's cache. Predictions equal the torch engine's
to float precision (fp32); the int8 variant trades a little accuracy for speed (measured in
RESULTS.md: one scale per weight matrix lost 0.014 macro-F1, one per channel 0.004).

Used through `analyze(..., engine="onnx")`, `EmotionClassifier.forward(..., engine="onnx")` or
`affectlab analyze --engine onnx`. Needs `onnx` (export) and `onnxruntime` (the `[onnx]` extra).
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

ENGINES = ("torch", "onnx", "onnx-int8")
OPSET = 17
# tokens per ONNX batch: measured on 2 cores, 512 ran fastest (323 texts/s against 172 at 8,192:
# big batches fall out of the cache)
ONNX_MAX_TOKENS = 512
# how int8 weights are made; part of the cache key, so a changed recipe exports again
INT8_RECIPE = {"weight_type": "QInt8", "per_channel": True}
_LOCK = threading.Lock()


def _key(clf: Any, quantize: bool) -> str:
    """Identity of a model's weights for the cache: its folder, manifest date and version, and
    a hash of the head weights (a model trained in memory has no folder)."""
    import torch

    net = clf._require()
    h = hashlib.sha256()
    man = getattr(clf, "manifest_", None)
    h.update(json.dumps([str(getattr(clf, "path_", "")), getattr(man, "created", None),
                         getattr(man, "affectlab_version", None), quantize, OPSET,
                         INT8_RECIPE if quantize else None]).encode())
    for name, t in sorted(net.state_dict().items()):
        if "heads" in name or "lora" in name:
            h.update(name.encode())
            h.update(t.detach().to(torch.float32).numpy().tobytes())
    return h.hexdigest()[:20]


def export(clf: Any, path: Path, quantize: bool = False) -> Path:
    """Write the model's encoder + heads as ONNX (dynamic batch and length), int8 if asked."""
    import torch

    from affectlab.core.files import atomic_path

    net = clf._require()
    names = list(net.specs)

    class _AllHeads(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, ...]:
            out = self.net.all_heads(input_ids, attention_mask)
            return tuple(out[k] for k in names)

    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            **{k: {0: "batch"} for k in names}}
    with atomic_path(path) as tmp:
        fp32 = Path(str(tmp) + ".fp32.onnx")
        import warnings

        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(_AllHeads().eval(), (ids, mask), str(fp32), dynamo=False,
                              input_names=["input_ids", "attention_mask"], output_names=names,
                              dynamic_axes=axes, opset_version=OPSET)
        if quantize:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # its advice to pre-process is for image models
            try:
                quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType[INT8_RECIPE["weight_type"]],
                                 per_channel=INT8_RECIPE["per_channel"])
            finally:
                root.setLevel(level)
            fp32.unlink()
        else:
            fp32.replace(tmp)
    return path


class OnnxRunner:
    """One ONNX Runtime session for a model: `run(input_ids, attention_mask)` gives every head's
    raw output as numpy arrays."""

    def __init__(self, path: Path, names: list[str], threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.names = names
        self.path = path

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        out = self.session.run(self.names, {"input_ids": input_ids.astype(np.int64),
                                            "attention_mask": attention_mask.astype(np.int64)})
        return dict(zip(self.names, out, strict=True))


def runner(clf: Any, quantize: bool = False) -> OnnxRunner:
    """The model's runner, exported into the cache on first use (one export per process and
    weights; concurrent callers wait for it)."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        from affectlab.core.errors import MissingBackendError

        raise MissingBackendError("the onnx engine needs onnx and onnxruntime: pip install "
                                  "'affectlab[onnx]'") from exc
    return _runner(clf, quantize, _key(clf, quantize))


@lru_cache(maxsize=8)
def _runner(clf: Any, quantize: bool, key: str) -> OnnxRunner:
    from affectlab.core.files import cache_root

    path = cache_root("onnx") / f"text-{key}{'-int8' if quantize else ''}.onnx"
    with _LOCK:
        if not path.exists():
            export(clf, path, quantize)
    import torch

    return OnnxRunner(path, list(clf._require().specs), threads=torch.get_num_threads())


def activate(kind: str, value: np.ndarray, scale: dict[str, list[float]] | None) -> np.ndarray:
    """The heads' output functions in numpy (as the torch engine applies them)."""
    if kind == "multilabel":
        return 1.0 / (1.0 + np.exp(-value))
    if kind == "single":
        z = np.exp(value - value.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)
    scale = scale or {"mean": [0.0] * 3, "std": [1.0] * 3}
    return value * np.asarray(scale["std"]) + np.asarray(scale["mean"])
