"""Zero-shot prompting baseline of "Decoding Emotion in the Deep": ask the model for the emotion.

The model reads an instruction listing the labels (as a user turn of its chat template) and each
label is scored by the log-probability of its tokens as the start of the model's answer,
``log P(label | prompt) = sum_t log P(label_t | prompt, label_<t)``; the prediction is the best
scoring label. Constrained scoring is used instead of parsing a free generation because a small
model's free answer rarely is a valid label; scoring every label gives prompting its best chance
and always yields a prediction, so the comparison with probes is fair to prompting.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from affectlab.core.progress import progress_bar
from affectlab.lm.model.language_model import LanguageModel, _as_texts

__all__ = ["PROMPT_TEMPLATE", "ZeroShotResult", "build_prompt", "zero_shot"]

#: The instruction; `{labels}` is the comma-separated label list, `{text}` the text to classify.
PROMPT_TEMPLATE = ("Classify the emotion expressed in the following text. Answer with one word "
                   "from: {labels}.\n\nText: {text}")
#: After the instruction when there is no chat template (chat=False): the answer follows it.
RAW_ANSWER_CUE = "\nEmotion:"


def build_prompt(text: str, labels: Sequence[str]) -> str:
    """The instruction for one text (the user message, before any chat formatting)."""
    return PROMPT_TEMPLATE.format(labels=", ".join(labels), text=text)


@dataclass
class ZeroShotResult:
    """Label scores of every text: `scores[i, j]` = log P(labels[j] | prompt i), summed (or, with
    `normalize`, averaged) over the label's tokens; `predictions` is the argmax per row."""

    labels: list[str]
    scores: np.ndarray  # (n_texts, n_labels)
    predictions: list[str]
    n_label_tokens: list[int]
    normalize: bool = False
    example_prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def probabilities(self) -> np.ndarray:
        """Scores renormalised over the labels (softmax per row): the model's label distribution
        restricted to the candidate answers."""
        z = self.scores - self.scores.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    @property
    def prior_bias(self) -> dict[str, float]:
        """Share of texts predicted as each label: a small model often answers one label always."""
        n = max(1, len(self.predictions))
        return {label: sum(p == label for p in self.predictions) / n for label in self.labels}

    def _check(self, y_true: Sequence[str]) -> list[str]:
        y = [str(v) for v in y_true]
        if len(y) != len(self.predictions):
            raise ValueError(f"{len(y)} true labels for {len(self.predictions)} predictions")
        unknown = sorted(set(y) - set(self.labels))
        if unknown:
            raise ValueError(f"true labels {unknown} are not among the candidates {self.labels}")
        return y

    def accuracy(self, y_true: Sequence[str]) -> float:
        """Share of texts whose prediction equals the true label."""
        from affectlab.metrics import accuracy

        return accuracy(self._check(y_true), self.predictions)

    def score(self, y_true: Sequence[str]) -> dict[str, Any]:
        """Accuracy, macro-F1 over the candidate labels, the number of texts and the prior bias."""
        from affectlab.metrics import accuracy, macro_f1

        y = self._check(y_true)
        return {"accuracy": accuracy(y, self.predictions),
                "macro_f1": macro_f1(y, self.predictions, labels=self.labels),
                "n": len(y), "prior_bias": self.prior_bias}

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary (predictions, scores, prior bias, settings) for JSON."""
        return {"labels": list(self.labels), "predictions": list(self.predictions),
                "scores": self.scores.round(6).tolist(), "n_label_tokens": self.n_label_tokens,
                "normalize": self.normalize, "prior_bias": self.prior_bias,
                "example_prompt": self.example_prompt, "settings": dict(self.settings)}


def _label_ids(lm: LanguageModel, labels: Sequence[str], chat: bool) -> list[list[int]]:
    """Token ids of each label as an answer: right after the assistant header (chat) or after
    the raw cue and a space (chat=False)."""
    out = []
    for label in labels:
        ids = lm.tokenizer(label if chat else " " + label, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"label {label!r} produced no tokens")
        out.append(list(ids))
    return out


def _prompt_ids(lm: LanguageModel, texts: list[str], labels: Sequence[str], chat: bool,
                reserve: int) -> tuple[list[list[int]], int]:
    """Token ids of each full prompt (as `lm.encode` makes them). A text too long for the model
    is cut at its end, so the instruction and the answer position stay; returns the count cut."""
    tok = lm.tokenizer

    def render(text: str) -> str:
        prompt = build_prompt(text, labels)
        return lm.format([prompt], chat=True)[0] if chat else prompt + RAW_ANSWER_CUE

    budget = lm.max_length - reserve
    special = not chat  # a chat template writes its own special tokens
    overhead = len(tok(render(""), add_special_tokens=special)["input_ids"])
    out, cut = [], 0
    for text in texts:
        ids = tok(render(text), add_special_tokens=special)["input_ids"]
        if len(ids) > budget:
            if overhead >= budget:
                raise ValueError(f"the instruction alone takes {overhead} tokens; the model "
                                 f"reads at most {lm.max_length}")
            text_ids = tok(text, add_special_tokens=False)["input_ids"]
            keep = budget - overhead
            while len(ids) > budget and keep > 0:  # re-tokenising may differ by a few tokens
                ids = tok(render(tok.decode(text_ids[:keep])), add_special_tokens=special)[
                    "input_ids"]
                keep -= max(1, len(ids) - budget)
            cut += 1
        out.append(list(ids))
    return out, cut


def _unembed(lm: LanguageModel, hidden: torch.Tensor) -> torch.Tensor:
    """Logits of final hidden states (the model's output head, with logit soft-capping if any)."""
    logits = lm.model.get_output_embeddings()(hidden).float()
    cap = getattr(lm.model.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return logits


def _cache_argument(module: Any) -> str:
    """The keyword a model's forward takes its key/value cache by (`cache` in newer
    transformers, `past_key_values` before)."""
    import inspect

    params = inspect.signature(module.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _right_pad(rows: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    return ids, mask


@torch.inference_mode()
def _score_batch(lm: LanguageModel, prompts: list[list[int]],
                 label_ids: list[list[int]]) -> np.ndarray:
    """(len(prompts), n_labels) summed label-token log-probs.

    The prompts are read once, left-padded with positions counted from the attention mask (as in
    generation); the first label token is scored from the last prompt position. Labels of several
    tokens then continue from a copy of the prompts' key/value cache, right-padded, so no prompt
    is read once per label. Only the positions that predict label tokens are unembedded.
    """
    device, pad = lm.device, lm.tokenizer.pad_token_id
    n, n_labels = len(prompts), len(label_ids)
    width = max(len(p) for p in prompts)
    ids = torch.full((n, width), pad, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
        mask[i, width - len(p):] = 1
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    base = lm.adapter.base_model()
    out = base(input_ids=ids.to(device), attention_mask=mask.to(device),
               position_ids=positions.to(device), use_cache=True)
    first = torch.log_softmax(_unembed(lm, out.last_hidden_state[:, -1]), dim=-1)
    firsts = torch.tensor([lab[0] for lab in label_ids], device=device)
    scores = first[:, firsts].double().cpu()  # (n, n_labels)

    multi = [j for j, lab in enumerate(label_ids) if len(lab) > 1]
    if not multi:
        return scores.numpy()
    # continue every prompt with each multi-token label, minus its last token (never an input)
    rest, _ = _right_pad([label_ids[j][:-1] for j in multi], pad)
    reps = len(multi)
    cont_ids = rest.repeat(n, 1)  # row i * reps + m: prompt i, label multi[m]
    cont_mask = torch.cat([mask.repeat_interleave(reps, 0), torch.ones_like(cont_ids)], dim=1)
    lengths = torch.tensor([len(p) for p in prompts]).repeat_interleave(reps)
    cont_pos = lengths.unsqueeze(1) + torch.arange(cont_ids.shape[1])
    cache = out["cache"] if "cache" in out else out["past_key_values"]  # renamed in 5.x
    cache.batch_repeat_interleave(reps)
    hidden = base(input_ids=cont_ids.to(device), attention_mask=cont_mask.to(device),
                  position_ids=cont_pos.to(device), use_cache=True,
                  **{_cache_argument(base): cache}).last_hidden_state
    rows, cols, targets, owners = [], [], [], []
    for i in range(n):
        for m, j in enumerate(multi):
            for t, tok in enumerate(label_ids[j][1:]):  # input t predicts label token t + 1
                rows.append(i * reps + m)
                cols.append(t)
                targets.append(tok)
                owners.append(i * n_labels + j)
    logp = torch.log_softmax(_unembed(lm, hidden[torch.tensor(rows, device=device),
                                                torch.tensor(cols, device=device)]), dim=-1)
    picked = logp[torch.arange(len(targets), device=device),
                  torch.tensor(targets, device=device)].double().cpu()
    flat = scores.reshape(-1).index_add(0, torch.tensor(owners), picked)
    return flat.view(n, n_labels).numpy()


def zero_shot(lm: LanguageModel, texts: Sequence[str], labels: Sequence[str], *,
              chat: bool = True, normalize: bool = False, batch_size: int = 16,
              progress: bool = False) -> ZeroShotResult:
    """Zero-shot emotion classification of `texts` into `labels` by constrained answer scoring.

    Each text becomes the instruction of `PROMPT_TEMPLATE` (a user turn of the chat template with
    its default system prompt when `chat`, else raw text ending in "Emotion:"); each label is
    scored by the summed log-probability of its tokens as the answer (mean per token with
    `normalize`, which removes the advantage of labels with fewer tokens). Labels are scored
    exactly as written (their case changes which answer a small model prefers). Each batch of
    `batch_size` texts is read once; labels of several tokens continue from its key/value cache.
    """
    items = _as_texts(texts)
    if not items:
        raise ValueError("no texts to classify")
    names = [str(label) for label in labels] if not isinstance(labels, str) else []
    if len(names) < 2:
        raise ValueError(f"zero-shot classification needs at least 2 labels, got {labels!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"labels must be distinct, got {names}")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    label_ids = _label_ids(lm, names, chat)
    reserve = max(len(ids) for ids in label_ids)
    prompts, cut = _prompt_ids(lm, items, names, chat, reserve)
    if cut:
        warnings.warn(f"{cut} of {len(items)} texts were too long for {lm.max_length} tokens "
                      "with the instruction; their ends were cut", stacklevel=2)
    order = np.argsort([len(p) for p in prompts], kind="stable")
    scores = np.zeros((len(items), len(names)))
    with progress_bar(progress, len(items), f"zero-shot ({lm.name})") as bar:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            scores[idx] = _score_batch(lm, [prompts[i] for i in idx], label_ids)
            bar(len(idx))
    lengths = np.array([len(ids) for ids in label_ids], dtype=np.float64)
    if normalize:
        scores = scores / lengths
    predictions = [names[j] for j in np.argmax(scores, axis=1)]
    example = lm.tokenizer.decode(prompts[0])
    return ZeroShotResult(labels=names, scores=scores, predictions=predictions,
                          n_label_tokens=[len(ids) for ids in label_ids], normalize=normalize,
                          example_prompt=example,
                          settings={"model": lm.name, "chat": chat, "template": PROMPT_TEMPLATE,
                                    "batch_size": batch_size})
