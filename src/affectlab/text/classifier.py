"""`EmotionClassifier`: a text emotion estimator on any Hugging Face encoder.

A LoRA adapter on the encoder (or a frozen encoder, rank 0), one head for the labels of a
scheme (multi-label with per-label thresholds tuned on dev, or single-label), and optionally a
V/A/D head trained in the same run. `save` writes a small folder (adapter, heads, thresholds,
a manifest and a model card); the encoder itself is referenced, not copied.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from affectlab import __version__
from affectlab.core.errors import ManifestError, ModelNotFoundError, NotFittedError
from affectlab.core.manifest import MANIFEST, Manifest, read_manifest, write_manifest
from affectlab.text.encoder import (
    CHARS_PER_TOKEN,
    DEFAULT_ENCODER,
    bucketed,
    encoder_max_length,
    load_encoder,
    token_lengths,
)
from affectlab.text.labels import (
    LABELS,
    SchemeLabelModel,
    check_texts,
    check_training_texts,
    check_vad_targets,
    is_multi,
    label_rows,
    scheme_labels,
    scheme_name,
)
from affectlab.text.network import (
    AdapterConfig,
    EmotionNetwork,
    HeadSpec,
    adapter_state,
    add_adapter,
    merge_adapter,
)
from affectlab.text.training import Task, TrainSettings, train_network

FORMAT = "affectlab-text-emotion/1"  # the safetensors metadata tag of the weights
KIND = "text.classifier"
FORMAT_VERSION = 1
LEGACY_MANIFEST = "affectlab_model.json"  # what affectlab wrote before the shared manifest
WEIGHTS = "weights.safetensors"
CARD = "MODEL_CARD.md"
VAD = "vad"
VAD_DIMS = ("valence", "arousal", "dominance")
HEAD_MODES = ("masked", "per-corpus")




class EmotionClassifier(SchemeLabelModel):
    """Text emotion classifier (and V/A/D regressor) with a scikit-learn-like interface.

    >>> clf = EmotionClassifier(scheme="carer6").fit(texts, labels, dev=(dev_texts, dev_labels))
    >>> clf.predict(["i feel so happy today"])
    ['joy']
    """

    def __init__(self, scheme: str | None = None, encoder: str = DEFAULT_ENCODER, *,
                 multi_label: bool | None = None, adapter: AdapterConfig | None = None,
                 settings: TrainSettings | None = None, batch_size: int = 64,
                 progress: bool = True, allow_download: bool = False,
                 init: str | os.PathLike[str] | None = None) -> None:
        # hyper-parameters are stored as given (scikit-learn's clone relies on it); `fit` checks
        # them and puts the scheme's name in its canonical spelling
        self.scheme = scheme
        self.encoder = encoder
        self.multi_label = multi_label
        self.adapter = adapter
        self.settings = settings
        self.batch_size = batch_size
        self.progress = progress
        self.allow_download = allow_download
        self.init = init  # a saved model (or "default") whose adapter and heads training starts from
        self.labels_: list[str] | None = None
        self.thresholds_: dict[str, dict[str, float]] = {}
        self.vad_scale_: dict[str, list[float]] | None = None
        self.label_heads_: list[str] | None = None  # per-corpus heads that make the labels
        self.scheme_heads_: dict[str, str] | None = None  # scheme -> a head trained in it
        self.info_: dict[str, Any] = {}
        self._net: EmotionNetwork | None = None
        self._tokenizer: Any = None
        self._max_length: int | None = None

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Any] | None, *,
            dev: tuple[Sequence[str], Sequence[Any]] | None = None,
            vad: tuple[Sequence[str], Any] | None = None,
            data: dict[str, Any] | None = None) -> EmotionClassifier:
        """Train on `texts` and their labels (a label or a list of labels per text).

        `dev` tunes the per-label thresholds (multi-label). `vad` adds a V/A/D head trained in
        the same run on (texts, an (n, 3) array on [-1, 1]). `data` describes the training data
        for the manifest. `labels=None` trains the V/A/D head alone.
        """
        texts = check_training_texts(texts, "texts")
        self.scheme = None if self.scheme is None else scheme_name(self.scheme)
        self.label_heads_ = self.scheme_heads_ = None
        tasks: list[Task] = []
        heads: list[HeadSpec] = []
        if labels is not None:
            if len(labels) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
            multi = is_multi(labels) if self.multi_label is None else self.multi_label
            self.multi_label = multi
            rows = label_rows(labels)
            self.labels_ = self._label_order(rows)
            spec = HeadSpec(LABELS, "multilabel" if multi else "single", self.labels_)
            heads.append(spec)
            tasks.append(Task(spec, texts, self._targets(rows, multi)))
        if vad is not None:
            vtask = self._vad_task(*vad)
            heads.append(vtask.head)
            tasks.append(vtask)
        if not tasks:
            raise ValueError("nothing to fit: give labels, V/A/D targets, or both")
        net = self._train(heads, tasks, data)
        self.thresholds_ = {}
        if dev is not None and LABELS in net.specs:
            self.tune_thresholds(*dev)
        return self

    def fit_corpora(self, parts: Sequence[Any], *, heads: str = "masked",
                    space: str | None = None,
                    native: tuple[Sequence[str], Sequence[Any]] | None = None,
                    dev: tuple[Sequence[str], Sequence[Any]] | None = None,
                    vad: tuple[Sequence[str], Any] | None = None,
                    data: dict[str, Any] | None = None) -> EmotionClassifier:
        """Train one model across corpora whose labels are already in one scheme, `space`.

        `parts` are `text.corpora.CorpusPart`s (texts, a label each, the labels the corpus's
        scheme can name, a loss weight). `heads="masked"`: one softmax over `space`, each
        corpus supervising only the labels it can name. `heads="per-corpus"`: one head per
        corpus on the shared encoder; predictions average, label by label, the heads that
        name it. `vad` adds a V/A/D head (NaN = a dimension a corpus does not rate).

        `native=(texts, labels)` keeps a head in the model's own scheme beside the masked
        `space` head (say GoEmotions-28 beside Ekman-7): the model then answers in its own
        scheme, and in `space` from the head trained there (`scheme_heads_`). `dev` (in the
        model's own scheme) tunes the thresholds of both.
        """
        if heads not in HEAD_MODES:
            from affectlab.core.errors import UnknownNameError

            raise UnknownNameError("heads", heads, HEAD_MODES)
        if self.scheme is None:
            raise ValueError("training across corpora needs the target scheme, e.g. "
                             "EmotionClassifier(scheme='ekman7')")
        self.scheme = scheme_name(self.scheme)
        space = self.scheme if space is None else scheme_name(space)
        from affectlab.ontology import get_scheme

        names = list(get_scheme(space).label_names)
        specs: list[HeadSpec] = []
        tasks: list[Task] = []
        self.scheme_heads_ = None
        if native is not None:
            if heads != "masked" or space == self.scheme:
                raise ValueError("a head in the model's own scheme goes beside a masked head "
                                 f"in another scheme (got heads={heads!r}, space={space!r})")
            ntexts = check_training_texts(native[0], f"{self.scheme} texts")
            if len(native[1]) != len(ntexts):
                raise ValueError(f"{len(ntexts)} {self.scheme} texts but {len(native[1])} labels")
            rows = label_rows(native[1])
            self.multi_label = is_multi(native[1]) if self.multi_label is None else \
                self.multi_label
            self.labels_ = self._label_order(rows)
            own = HeadSpec(LABELS, "multilabel" if self.multi_label else "single", self.labels_)
            specs.append(own)
            tasks.append(Task(own, ntexts, self._targets(rows, self.multi_label),
                              name=f"{self.scheme} (own labels)"))  # its part may share the name
            self.scheme_heads_ = {space: f"{LABELS}:{space}"}
        elif space != self.scheme:
            raise ValueError(f"the parts are in {space!r} but the model answers in "
                             f"{self.scheme!r}; give `native` labels for its own scheme")
        else:
            self.labels_, self.multi_label = names, False
        shared = HeadSpec(self.scheme_heads_[space] if self.scheme_heads_ else LABELS,
                          "single", names)
        if heads == "masked":
            specs.append(shared)
        self.label_heads_ = None if heads == "masked" else []
        for part in parts:
            texts = check_training_texts(part.texts, f"{part.name} texts")
            unknown = sorted(set(part.labels) - set(part.allowed))
            if unknown or not set(part.allowed) <= set(names):
                raise ValueError(f"{part.name}: labels {unknown or part.allowed} are not among "
                                 f"the labels it may supervise in {space}")
            if heads == "masked":
                y = np.array([names.index(x) for x in part.labels], dtype=np.int64)
                allowed = np.isin(np.array(names), part.allowed)
                tasks.append(Task(shared, texts, y, part.weight, allowed, name=part.name))
            else:
                spec = HeadSpec(f"{LABELS}:{part.name}", "single", list(part.allowed))
                specs.append(spec)
                self.label_heads_.append(spec.name)
                y = np.array([part.allowed.index(x) for x in part.labels], dtype=np.int64)
                tasks.append(Task(spec, texts, y, part.weight, name=part.name))
        if vad is not None:
            vtask = self._vad_task(*vad)
            specs.append(vtask.head)
            tasks.append(vtask)
        self._train(specs, tasks, data)
        self.thresholds_ = {}
        if dev is not None and native is not None:
            self.tune_thresholds(*dev)
        return self

    def tune_thresholds(self, texts: Sequence[str], labels: Sequence[Any],
                        schemes: Any = None) -> dict[str, dict[str, float]]:
        """Per-label thresholds maximising dev F1 (see `SchemeLabelModel.tune_thresholds`);
        a scheme with a head of its own is tuned on that head's probabilities."""
        from affectlab import metrics

        super().tune_thresholds(texts, labels, schemes)
        if self.scheme_heads_:
            out = self.forward(check_texts(texts))[0]
            rows = label_rows(labels)
            for scheme in self.scheme_heads_:
                _, gold = self.map_dev(out[LABELS], rows, scheme)
                th = metrics.tune_thresholds(gold, self.scheme_proba(out, scheme))
                self.thresholds_[scheme] = dict(zip(scheme_labels(scheme), th.tolist(), strict=True))
        return self.thresholds_

    def fit_distil(self, teacher: EmotionClassifier, texts: Sequence[str], *,
                   outputs: dict[str, np.ndarray] | None = None,
                   dev: tuple[Sequence[str], Sequence[Any]] | None = None,
                   data: dict[str, Any] | None = None) -> EmotionClassifier:
        """Train this model (a smaller encoder, say) to answer as `teacher` does on unlabelled
        `texts`: the same heads and labels, each trained on the teacher's soft outputs.

        `outputs` are the teacher's outputs on `texts` when already computed (see
        `text.distil.teacher_outputs`, resumable). The teacher's thresholds are kept; `dev`
        (labels in the teacher's scheme) tunes them again for the student.
        """
        texts = check_training_texts(texts, "texts to distil on")
        if outputs is None:
            outputs = teacher.forward(check_texts(texts))[0]
        specs = list(teacher._require().specs.values())
        missing = [spec.name for spec in specs if spec.name not in outputs]
        if missing:
            raise ValueError(f"the teacher outputs lack its head(s) {missing}")
        for attr in ("scheme", "multi_label", "labels_", "label_heads_", "scheme_heads_",
                     "vad_scale_"):
            setattr(self, attr, getattr(teacher, attr))
        tasks = []
        for spec in specs:
            y = np.asarray(outputs[spec.name], dtype=np.float32)
            if len(y) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(y)} teacher outputs for "
                                 f"head {spec.name!r}")
            if spec.kind == "regression":  # the student learns standardised values too
                scale = self.vad_scale_ or {"mean": [0.0] * 3, "std": [1.0] * 3}
                y = ((y - np.asarray(scale["mean"])) / np.asarray(scale["std"]))
            tasks.append(Task(spec, texts, y.astype(np.float32), name=f"{spec.name} (teacher)"))
        self._train(specs, tasks, {"teacher": repr(teacher), **(data or {})})
        self.thresholds_ = {k: dict(v) for k, v in teacher.thresholds_.items()}
        if dev is not None:
            self.tune_thresholds(*dev)
        return self

    def _vad_task(self, texts: Sequence[str], values: Any) -> Task:
        """The V/A/D head's task, targets standardised per dimension (NaN = not rated)."""
        vtexts = check_training_texts(texts, "V/A/D texts")
        y = check_vad_targets(values, len(vtexts), allow_unrated=True)
        rated = ~np.isnan(y).all(0)
        mean, std = np.full(3, np.nan), np.full(3, np.nan)  # a dimension no text rates is NaN
        mean[rated] = np.nanmean(y[:, rated], 0)
        std[rated] = np.nanstd(y[:, rated], 0) + 1e-8
        self.vad_scale_ = {"mean": mean.tolist(), "std": std.tolist()}
        spec = HeadSpec(VAD, "regression", list(VAD_DIMS))
        return Task(spec, vtexts, ((y - mean) / std).astype(np.float32))

    def _train(self, heads: list[HeadSpec], tasks: list[Task],
               data: dict[str, Any] | None) -> EmotionNetwork:
        """Load the encoder, add the adapter, train every task, keep the weights."""
        self.encoder = str(self.encoder)
        adapter_cfg, train_cfg = self._adapter_config(), self._train_settings()
        tokenizer, encoder = load_encoder(self.encoder, allow_download=self.allow_download)
        self._max_length = min(train_cfg.max_length, encoder_max_length(tokenizer, encoder))
        import torch

        torch.manual_seed(train_cfg.seed)  # the adapter's and heads' first weights too
        if adapter_cfg.rank > 0:
            encoder = add_adapter(encoder, adapter_cfg)
        else:
            for p in encoder.parameters():
                p.requires_grad_(False)
        net = EmotionNetwork(encoder, heads)
        started_from = None if self.init is None else _warm_start(net, self.init, self.encoder,
                                                                   adapter_cfg)
        settings = TrainSettings(**{**train_cfg.to_dict(), "max_length": self._max_length})
        started = time.perf_counter()
        history = train_network(net, tokenizer, tasks, settings, progress=self.progress)
        seconds = time.perf_counter() - started
        self._weights = _weights_of(net, adapter_cfg.rank > 0)
        if adapter_cfg.rank > 0:
            merge_adapter(net.encoder)
        self._net, self._tokenizer = net, tokenizer
        self.info_ = {"training": {"settings": settings.to_dict(), "history": history,
                                   "seconds": round(seconds, 1), "examples":
                                   {t.key: len(t.texts) for t in tasks}},
                      "data": data or {}}
        if started_from is not None:
            self.info_["training"]["init"] = started_from
        return net

    def _adapter_config(self) -> AdapterConfig:
        return AdapterConfig() if self.adapter is None else self.adapter

    def _train_settings(self) -> TrainSettings:
        return TrainSettings() if self.settings is None else self.settings

    # ---- inference -----------------------------------------------------------------------
    def _require(self) -> EmotionNetwork:
        if self._net is None:
            raise NotFittedError(self)
        return self._net

    def forward(self, texts: Sequence[str], *, batch_size: int | None = None,
                engine: str = "torch", max_tokens: int | None = None
                ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Every head's output for already-checked, non-empty texts, in one encoder pass.

        Returns ({"labels": probabilities, "vad": values on [-1, 1]}, tokens per text before
        truncation). Texts are sorted by length into batches and padded per batch; with
        `max_tokens` a batch holds at most that many tokens. `engine` is "torch", "onnx" (the
        same network exported to ONNX Runtime, equal to float precision) or "onnx-int8".
        """
        from affectlab.text.onnx_engine import ENGINES

        if engine not in ENGINES:
            from affectlab.core.errors import UnknownNameError

            raise UnknownNameError("engine", engine, ENGINES)
        net = self._require()
        n = len(texts)
        out = {name: np.zeros((n, len(spec.labels)), dtype=np.float32)
               for name, spec in net.specs.items()}
        if n == 0:
            return self._combined(out), np.zeros(0, dtype=np.int64)
        window = self._max_length or 512
        ids, full = token_lengths(self._tokenizer, texts, window,
                                  max_chars=window * CHARS_PER_TOKEN)
        pad = self._tokenizer.pad_token_id
        if engine != "torch":  # the same network on ONNX Runtime, batches sized by tokens
            from affectlab.text.onnx_engine import ONNX_MAX_TOKENS, activate, runner

            run = runner(self, quantize=engine == "onnx-int8")
            for batch in bucketed(ids, batch_size or 256, pad, max_tokens=max_tokens or ONNX_MAX_TOKENS):
                res = run.run(batch.input_ids.numpy(), batch.attention_mask.numpy())
                for name, value in res.items():
                    out[name][batch.index] = activate(net.specs[name].kind, value,
                                                      self.vad_scale_)
            return self._combined(out), full
        import torch

        with torch.inference_mode():
            for batch in bucketed(ids, batch_size or self.batch_size, pad, max_tokens=max_tokens):
                res = net.all_heads(batch.input_ids, batch.attention_mask)
                for name, value in res.items():
                    out[name][batch.index] = self._activate(name, value).numpy()
        return self._combined(out), full

    def embed(self, texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        """(n, hidden) sentence embeddings: the fine-tuned encoder's mean-pooled output, what
        every head reads (for downstream models, say cross-modal contrastive learning)."""
        import torch

        net = self._require()
        texts = check_texts(texts)
        window = self._max_length or 512
        ids, _ = token_lengths(self._tokenizer, texts, window, max_chars=window * CHARS_PER_TOKEN)
        out = np.zeros((len(texts), net.encoder.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for batch in bucketed(ids, batch_size or self.batch_size, self._tokenizer.pad_token_id):
                out[batch.index] = net.embed(batch.input_ids, batch.attention_mask).numpy()
        return out

    def _combined(self, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Add the labels of a per-corpus-heads model: for each label, the mean probability
        of the heads that name it, renormalised to sum to 1."""
        if not self.label_heads_:
            return out
        names = self.labels_ or []
        n = next(iter(out.values())).shape[0]
        total, count = np.zeros((n, len(names))), np.zeros(len(names))
        for head in self.label_heads_:
            cols = [names.index(x) for x in self._require().specs[head].labels]
            total[:, cols] += out[head]
            count[cols] += 1
        mean = total / np.maximum(count, 1)
        out[LABELS] = (mean / np.maximum(mean.sum(1, keepdims=True), 1e-12)).astype(np.float32)
        return out

    def _activate(self, head: str, value: Any) -> Any:
        import torch

        kind = self._require().specs[head].kind
        if kind == "multilabel":
            return torch.sigmoid(value)
        if kind == "single":
            return torch.softmax(value, dim=-1)
        scale = self.vad_scale_ or {"mean": [0.0] * 3, "std": [1.0] * 3}
        return (value * torch.tensor(scale["std"], dtype=value.dtype)
                + torch.tensor(scale["mean"], dtype=value.dtype))

    def predict_proba(self, texts: Sequence[str], scheme: str | None = None) -> np.ndarray:
        """(n, labels) probabilities: independent sigmoids (multi-label) or a softmax; with
        `scheme`, in that scheme (see `scheme_proba`)."""
        self._need_head(LABELS)
        return self.scheme_proba(self.forward(check_texts(texts))[0], scheme)

    def scheme_proba(self, out: dict[str, np.ndarray], scheme: str | None) -> np.ndarray:
        """Probabilities in `scheme` from `forward`'s output: the model's own labels, the head
        trained in that scheme if it has one, else its own carried through the ontology."""
        if scheme is None or self.scheme is None or scheme_name(scheme) == self.scheme:
            return out[LABELS]
        head = (self.scheme_heads_ or {}).get(scheme_name(scheme))
        return out[head] if head is not None else self.map_proba(out[LABELS], scheme)

    def predict_vad(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) valence, arousal, dominance on [-1, 1]."""
        self._need_head(VAD)
        return self.forward(check_texts(texts))[0][VAD]

    def _need_head(self, head: str) -> None:
        if head == LABELS and self.label_heads_:
            return
        if head not in self._require().specs:
            what = "labels" if head == LABELS else "V/A/D"
            raise ValueError(f"this model has no {what} head")

    # ---- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, metrics: dict[str, Any] | None = None,
             card_notes: str = "") -> Path:
        """Write the adapter, heads, thresholds, a model card and the manifest to a folder."""
        self._require()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        if metrics is not None:
            self.info_["metrics"] = metrics
        details = self._details()
        from safetensors.torch import save_file

        from affectlab.core.files import atomic_path

        with atomic_path(out / WEIGHTS) as tmp:  # the weights carry their format tag
            save_file({k: v.contiguous() for k, v in self._weights.items()}, str(tmp),
                      metadata={"format": FORMAT})
        from affectlab.core.files import write_text
        from affectlab.text.card import model_card

        write_text(model_card(details, card_notes), out / CARD)
        write_manifest(out, _to_manifest(details))  # last: a folder with it is complete
        return out

    def _details(self) -> dict[str, Any]:
        """Everything the manifest and the model card say about this model."""
        net = self._require()
        adapter = self._adapter_config()
        return {
            "format": FORMAT,
            "affectlab_version": __version__,
            "created": date.today().isoformat(),
            "encoder": self.encoder,
            "max_length": self._max_length,
            "adapter": adapter.to_dict() if adapter.rank > 0 else None,
            "scheme": self.scheme,
            "multi_label": bool(self.multi_label),
            "heads": [{"name": h.name, "kind": h.kind, "labels": h.labels}
                      for h in net.specs.values()],
            "thresholds": self.thresholds_,
            "vad_scale": self.vad_scale_,
            "label_heads": self.label_heads_,
            "scheme_heads": self.scheme_heads_,
            "labels": self.labels_,
            **self.info_,
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, *, progress: bool = False,
             allow_download: bool = False) -> EmotionClassifier:
        """A saved model; with no path, the shipped default (GoEmotions-28 labels and V/A/D)."""
        from safetensors.torch import load_file

        folder = Path(path) if path is not None else default_model_dir()
        try:
            manifest = read_manifest(folder, KIND, max_version=FORMAT_VERSION,
                                     what="affectlab text model",
                                     legacy={LEGACY_MANIFEST: _from_legacy})
        except ModelNotFoundError as err:
            hint = ("; the default model ships inside affectlab: reinstall it, or train one "
                    "with `affectlab text train --dataset goemotions --out DIR`"
                    if path is None else "")
            raise ModelNotFoundError(f"{err}{hint}") from err
        if not (folder / WEIGHTS).is_file():
            raise ModelNotFoundError(f"{folder} is not a saved affectlab text model (it needs "
                                     f"{MANIFEST} and {WEIGHTS})")
        config = manifest.config
        adapter = AdapterConfig(**config["adapter"]) if config["adapter"] else \
            AdapterConfig(rank=0)
        self = cls(manifest.scheme, manifest.backbone, multi_label=config["multi_label"],
                   adapter=adapter, progress=progress, allow_download=allow_download)
        tokenizer, encoder = load_encoder(self.encoder, allow_download=allow_download)
        if adapter.rank > 0:
            encoder = add_adapter(encoder, adapter)
        heads = [HeadSpec(h["name"], h["kind"], h["labels"]) for h in config["heads"]]
        net = EmotionNetwork(encoder, heads)
        weights = load_file(str(folder / WEIGHTS))
        missing, unexpected = net.load_state_dict(weights, strict=False)
        expected = {k for k in net.state_dict() if "lora_" in k or k.startswith("heads.")}
        absent = expected - set(weights)
        if absent or unexpected:
            raise ManifestError(f"{folder / WEIGHTS} does not fit its manifest: "
                                f"missing {sorted(absent)[:3]}, unexpected "
                                f"{sorted(unexpected)[:3]}")
        del missing
        self._weights = weights
        if adapter.rank > 0:
            merge_adapter(net.encoder)
        net.eval()
        self._net, self._tokenizer = net, tokenizer
        self._max_length = config["max_length"]
        self.label_heads_ = config.get("label_heads")
        self.scheme_heads_ = config.get("scheme_heads")
        self.labels_ = next((h.labels for h in heads if h.name == LABELS),
                            manifest.labels if self.label_heads_ else None)
        self.thresholds_ = config.get("thresholds", {})
        self.vad_scale_ = config.get("vad_scale")
        self.info_ = {"training": manifest.training.get("run", {}),
                      "data": manifest.training.get("data", {})}
        if manifest.metrics:
            self.info_["metrics"] = manifest.metrics
        self.info_ = {k: v for k, v in self.info_.items() if v or k == "data"}
        self.path_ = folder
        self.manifest_ = manifest
        return self

    @property
    def has_vad(self) -> bool:
        return self._net is not None and VAD in self._net.specs

    @property
    def max_length(self) -> int | None:
        return self._max_length

    def __repr__(self) -> str:
        state = "fitted" if self._net is not None else "not fitted"
        return (f"EmotionClassifier(scheme={self.scheme!r}, encoder={self.encoder!r}, "
                f"labels={len(self.labels_ or [])}, {state})")


def default_model_dir() -> Path:
    """Where the shipped default model lives (package data)."""
    return Path(__file__).resolve().parent / "default_model"


def _warm_start(net: EmotionNetwork, init: str | os.PathLike[str], encoder: str,
                adapter: AdapterConfig) -> dict[str, Any]:
    """Load a saved model's adapter and the heads that match by name and labels into `net`
    (fresh heads stay as drawn). The encoder and the adapter's settings must be the same."""
    source = EmotionClassifier.load(None if str(init) == "default" else init)
    if source.encoder != encoder:
        raise ValueError(f"init model {init} was trained on the encoder {source.encoder!r}, "
                         f"not {encoder!r}")
    theirs = source.adapter or AdapterConfig(rank=0)
    if theirs != adapter:
        raise ValueError(f"init model {init} has the adapter {theirs}; this model asks for "
                         f"{adapter}")
    rank = theirs.rank
    theirs_specs = source._require().specs
    same = [name for name, spec in net.specs.items()
            if name in theirs_specs and theirs_specs[name].kind == spec.kind
            and list(theirs_specs[name].labels) == list(spec.labels)]
    state = net.state_dict()
    take = {k: v for k, v in source._weights.items()
            if k in state and state[k].shape == v.shape
            and (not k.startswith("heads.") or k.split(".")[1] in same)}
    net.load_state_dict(take, strict=False)
    man = source.manifest_
    where = "default" if str(init) == "default" else str(source.path_)
    return {"from": where, "created": man.created, "affectlab_version": man.affectlab_version,
            "adapter": rank > 0, "heads": same}


def _weights_of(net: EmotionNetwork, with_adapter: bool) -> dict[str, Any]:
    weights = {f"heads.{k}": v.detach().clone() for k, v in net.heads.state_dict().items()}
    if with_adapter:
        weights.update({f"encoder.{k}": v for k, v in adapter_state(net.encoder).items()})
    return weights


_CONFIG_KEYS = ("max_length", "adapter", "multi_label", "heads", "thresholds", "vad_scale",
                "label_heads", "scheme_heads")


def _to_manifest(details: dict[str, Any]) -> Manifest:
    """The shared manifest from what `_details` says (also how old folders are read)."""
    labels = next((h["labels"] for h in details.get("heads", []) if h["name"] == LABELS),
                  details.get("labels") if details.get("label_heads") else None)
    return Manifest(kind=KIND, format_version=FORMAT_VERSION,
                    affectlab_version=details.get("affectlab_version", ""),
                    scheme=details.get("scheme"), labels=labels,
                    backbone=details.get("encoder"),
                    training={"run": details.get("training", {}),
                              "data": details.get("data", {})},
                    metrics=details.get("metrics", {}),
                    config={k: details.get(k) for k in _CONFIG_KEYS},
                    files=[WEIGHTS], created=str(details.get("created", "")))


def _from_legacy(folder: Path, old: dict[str, Any]) -> Manifest:
    """A folder saved before the shared manifest (affectlab_model.json)."""
    if old.get("format") != FORMAT:
        raise ManifestError(f"{folder}: unsupported model format {old.get('format')!r} "
                            f"(expected {FORMAT})")
    return _to_manifest(old)
