"""Emotional malleability of "Decoding Emotion in the Deep": does a system prompt change the
emotion of the model's replies?

The model replies to the same user texts under several system prompts (by default none, "very
emotional" and "calm"); a judge (by default the project's text emotion classifier,
`affectlab.analyze`) scores every reply, and each condition is summarised by the mean probability
of each emotion and the share of replies whose top emotion it is. The shift of a condition is its
summary minus the baseline condition's ("none").
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from affectlab.core.plots import save_figure
from affectlab.errors import UnknownNameError
from affectlab.lm.model.judges import Judge, analyze_judge
from affectlab.lm.model.language_model import LanguageModel, _as_texts

__all__ = ["SYSTEM_PROMPTS", "Judge", "MalleabilityResult", "analyze_judge", "malleability",
           "plot_malleability"]

#: Conditions of the experiment; None keeps the chat template's own default system prompt.
SYSTEM_PROMPTS: dict[str, str | None] = {
    "none": None,
    "emotional": "You are very emotional.",
    "calm": "You always remain calm and composed.",
}


def _conditions(conditions: Mapping[str, str | None] | Sequence[str] | None,
                baseline: str) -> dict[str, str | None]:
    if conditions is None:
        out = dict(SYSTEM_PROMPTS)
    elif isinstance(conditions, Mapping):
        out = dict(conditions)
        bad = [k for k, v in out.items() if not isinstance(k, str) or
               (v is not None and not isinstance(v, str))]
        if bad:
            raise TypeError(f"conditions map names (str) to system prompts (str or None); "
                            f"bad entries: {bad}")
    elif isinstance(conditions, str):
        raise TypeError("conditions is a list of names or a {name: system prompt} mapping, "
                        f"not one string {conditions!r}")
    else:
        out = {}
        for name in conditions:
            if name not in SYSTEM_PROMPTS:
                raise UnknownNameError("condition", str(name), SYSTEM_PROMPTS,
                                       hint="Pass a {name: system prompt} mapping for others.")
            out[name] = SYSTEM_PROMPTS[name]
    if not out:
        raise ValueError("no conditions to compare")
    if baseline not in out:
        raise UnknownNameError("baseline condition", baseline, out)
    return out


@dataclass
class MalleabilityResult:
    """Judged replies per condition. Rows of the arrays follow `conditions`, columns `labels`
    (the judge's emotions). `shift` and `top_shift` subtract the baseline condition's row."""

    conditions: list[str]
    system_prompts: dict[str, str | None]
    labels: list[str]
    texts: list[str]
    replies: dict[str, list[str]]
    probs: dict[str, np.ndarray]  # condition -> (n_texts, n_labels), NaN rows = not judged
    mean_prob: np.ndarray  # (n_conditions, n_labels)
    top_share: np.ndarray  # (n_conditions, n_labels)
    n_judged: np.ndarray  # (n_conditions,)
    baseline: str = "none"
    user_labels: list[str] | None = None
    by_user_emotion: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def shift(self) -> np.ndarray:
        """Mean probability per emotion minus the baseline condition's."""
        return self.mean_prob - self.mean_prob[self.conditions.index(self.baseline)]

    @property
    def top_shift(self) -> np.ndarray:
        """Top-label share per emotion minus the baseline condition's."""
        return self.top_share - self.top_share[self.conditions.index(self.baseline)]

    def table(self, what: str = "mean_prob") -> dict[str, dict[str, float]]:
        """{condition: {emotion: value}} of `mean_prob`, `top_share`, `shift` or `top_shift`."""
        if what not in ("mean_prob", "top_share", "shift", "top_shift"):
            raise ValueError(f"unknown table {what!r}: mean_prob, top_share, shift or top_shift")
        values = getattr(self, what)
        return {c: {label: float(values[i, j]) for j, label in enumerate(self.labels)}
                for i, c in enumerate(self.conditions)}

    def to_dict(self, replies: bool = True) -> dict[str, Any]:
        """Plain-Python summary for JSON; `replies=False` leaves the reply texts out."""
        def rounded(t: dict[str, dict[str, float]]) -> dict[str, dict[str, float | None]]:
            return {c: {k: (None if not np.isfinite(v) else round(v, 6)) for k, v in row.items()}
                    for c, row in t.items()}

        out: dict[str, Any] = {
            "conditions": list(self.conditions), "system_prompts": dict(self.system_prompts),
            "baseline": self.baseline, "labels": list(self.labels), "n_texts": len(self.texts),
            "n_judged": dict(zip(self.conditions, self.n_judged.tolist(), strict=True)),
            "mean_prob": rounded(self.table("mean_prob")),
            "top_share": rounded(self.table("top_share")),
            "shift": rounded(self.table("shift")), "top_shift": rounded(self.table("top_shift")),
            "settings": dict(self.settings),
        }
        if self.by_user_emotion:
            out["by_user_emotion"] = {}
            for user, parts in self.by_user_emotion.items():
                entry: dict[str, Any] = {"n": int(parts["n"])}
                for name in ("mean_prob", "top_share", "shift"):
                    arr = parts[name]
                    entry[name] = rounded({c: {label: float(arr[i, j])
                                               for j, label in enumerate(self.labels)}
                                           for i, c in enumerate(self.conditions)})
                out["by_user_emotion"][user] = entry
        if replies:
            out["texts"] = list(self.texts)
            out["replies"] = {c: list(r) for c, r in self.replies.items()}
        return out


def _summaries(probs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per condition: mean probability, top-label share and count over judged rows."""
    n_labels = probs[0].shape[1]
    mean = np.full((len(probs), n_labels), np.nan)
    top = np.full((len(probs), n_labels), np.nan)
    judged = np.zeros(len(probs), dtype=np.int64)
    for i, p in enumerate(probs):
        ok = np.isfinite(p).all(axis=1)
        judged[i] = ok.sum()
        if ok.any():
            mean[i] = p[ok].mean(axis=0)
            top[i] = np.bincount(np.argmax(p[ok], axis=1), minlength=n_labels) / ok.sum()
    return mean, top, judged


def _run_judge(judge: Judge, replies: list[str], labels: list[str] | None) -> tuple[np.ndarray,
                                                                                     list[str]]:
    out = judge(list(replies))
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("a judge must return (probabilities (n, n_labels), label names)")
    probs, names = np.asarray(out[0], dtype=np.float64), [str(x) for x in out[1]]
    if probs.shape != (len(replies), len(names)):
        raise ValueError(f"the judge returned probabilities of shape {probs.shape} for "
                         f"{len(replies)} replies and {len(names)} labels")
    if labels is not None and names != labels:
        raise ValueError(f"the judge changed its labels between conditions: {labels} vs {names}")
    return probs, names


def malleability(lm: LanguageModel, texts: Sequence[str], *, judge: Judge | None = None,
                 scheme: str = "ekman7", labels: Sequence[str] | None = None,
                 conditions: Mapping[str, str | None] | Sequence[str] | None = None,
                 baseline: str = "none", max_new_tokens: int = 48, batch_size: int = 16,
                 do_sample: bool = False, seed: int | None = None) -> MalleabilityResult:
    """Replies to `texts` under each system prompt, judged for emotion.

    `conditions` defaults to `SYSTEM_PROMPTS`; a list picks some of them by name, a mapping
    gives custom {name: system prompt} (None = the template's default). `judge` defaults to
    `analyze_judge(scheme)`. With `labels` (the user texts' emotions) the summaries are also
    broken down per user emotion. Greedy unless `do_sample` (then `seed` makes it repeatable).
    """
    items = _as_texts(texts)
    if not items:
        raise ValueError("no texts to reply to")
    prompts = _conditions(conditions, baseline)
    user = None
    if labels is not None:
        user = [str(x) for x in labels] if not isinstance(labels, str) else None
        if user is None or len(user) != len(items):
            raise ValueError(f"labels must give one emotion per text ({len(items)})")
    default_judge = judge is None
    judge = analyze_judge(scheme) if judge is None else judge
    replies: dict[str, list[str]] = {}
    probs: dict[str, np.ndarray] = {}
    names: list[str] | None = None
    for name, system in prompts.items():
        replies[name] = list(lm.generate(items, chat=True, system=system,
                                         max_new_tokens=max_new_tokens, batch_size=batch_size,
                                         do_sample=do_sample, seed=seed))
        probs[name], names = _run_judge(judge, replies[name], names)
    assert names is not None
    order = list(prompts)
    mean, top, judged = _summaries([probs[c] for c in order])
    by_user: dict[str, dict[str, np.ndarray]] = {}
    if user is not None:
        arr = np.asarray(user, dtype=object)
        for emotion in dict.fromkeys(user):
            rows = arr == emotion
            m, t, _ = _summaries([probs[c][rows] for c in order])
            base = order.index(baseline)
            by_user[emotion] = {"mean_prob": m, "top_share": t, "shift": m - m[base],
                                "n": np.int64(rows.sum())}
    return MalleabilityResult(
        conditions=order, system_prompts=prompts, labels=names, texts=items, replies=replies,
        probs=probs, mean_prob=mean, top_share=top, n_judged=judged, baseline=baseline,
        user_labels=user, by_user_emotion=by_user,
        settings={"model": lm.name, "judge": "affectlab.analyze" if default_judge else
                  getattr(judge, "__name__", type(judge).__name__),
                  "scheme": scheme if default_judge else None,
                  "max_new_tokens": max_new_tokens, "do_sample": do_sample, "seed": seed})


def plot_malleability(result: MalleabilityResult, path: str | os.PathLike[str]) -> str:
    """PNG of grouped bars: mean reply probability of each emotion, one bar per condition
    (Agg canvas, no pyplot state). Returns the path written."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n_cond, n_lab = result.mean_prob.shape
    fig = Figure(figsize=(max(6.0, 1.0 * n_lab + 2), 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / n_cond
    x = np.arange(n_lab)
    for i, cond in enumerate(result.conditions):
        ax.bar(x + (i - (n_cond - 1) / 2) * width, np.nan_to_num(result.mean_prob[i]), width,
               label=f"{cond} (n={int(result.n_judged[i])})")
    ax.set_xticks(x, result.labels, rotation=30, ha="right")
    ax.set_ylabel("mean probability in replies")
    ax.set_title("Reply emotion under system prompts")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return str(save_figure(fig, path, dpi=120, close=False))  # not a pyplot figure
