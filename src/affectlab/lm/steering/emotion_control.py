"""Emotion control experiments: prompting, steering and circuit modulation on held-out SEV
scenarios, judged for emotion expression and fluency; the component validation by ablation and
enhancement. (The default directions and circuit of a model, packaged or computed once, are
`affectlab.lm.steering.defaults`; they are re-exported here.)

Each condition's replies are saved as it finishes (atomically) under the run folder, so a killed
run resumes at the first unfinished condition.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.files import read_json, write_json
from affectlab.lm.model.fluency import distinct_n, repetition_rate, reply_perplexity
from affectlab.lm.model.hooks import Edit
from affectlab.lm.model.judges import Judge, expression_accuracy, get_judge
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.steering.circuits import EmotionCircuit
from affectlab.lm.steering.defaults import (
    check_fits,
    default_circuit,
    default_directions,
    packaged_artifacts,
)
from affectlab.lm.steering.emotion_directions import EmotionDirections
from affectlab.lm.steering.modulation import (
    ablation_edits,
    components,
    modulation_edits,
    random_components,
)
from affectlab.lm.steering.scenarios import (
    EMOTIONS,
    NEUTRAL_SYSTEM,
    Scenario,
    build_items,
    emotion_system,
    load_scenarios,
    split_scenarios,
)
from affectlab.lm.steering.vectors import steering_edits

__all__ = ["GENERATION", "check_fits", "condition_replies", "default_circuit", "default_directions",
           "emotion_control", "packaged_artifacts", "score_replies", "validate_components"]

#: Decoding used by every condition (greedy, as the paper; a mild repetition penalty for all).
GENERATION: dict[str, Any] = {"max_new_tokens": 48, "repetition_penalty": 1.1}


# -- conditions ----------------------------------------------------------------------------------
Condition = Callable[[str], tuple[str | None, Mapping[str, Edit]]]


def _checkpoint(folder: Path | None, name: str, key: str,
                run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if folder is None:
        return run()
    path = folder / f"{name}.json"
    if path.is_file():
        saved = read_json(path)
        if saved.get("key") == key:
            return saved
    result = {"key": key, **run()}
    write_json(result, path, indent=None)  # appears whole: a killed run resumes here
    return result


def condition_replies(lm: LanguageModel, prompts: Sequence[str], emotions: Sequence[str],
                      condition: Condition, generation: Mapping[str, Any],
                      progress: bool) -> dict[str, Any]:
    """Replies to every prompt for every emotion under `condition(emotion)` -> (system, edits)."""
    replies, targets = [], []
    plain: dict[str | None, list[str]] = {}  # unedited replies depend on the system prompt only
    for e in emotions:
        system, edits = condition(e)
        if not edits and system in plain:
            replies += plain[system]
        else:
            got = lm.generate(list(prompts), system=system, edit=dict(edits),
                              progress=progress, **generation)
            if not edits:
                plain[system] = got
            replies += got
        targets += [e] * len(prompts)
    return {"replies": replies, "targets": targets}


def score_replies(lm: LanguageModel, prompts: Sequence[str], data: Mapping[str, Any],
                  judges: Mapping[str, Judge]) -> dict[str, Any]:
    """Expression accuracy per judge (overall, per emotion, among the emotions) and fluency."""
    replies, targets = list(data["replies"]), list(data["targets"])
    n = len(prompts)
    ppl = reply_perplexity(lm, [prompts[k % n] for k in range(len(replies))], replies,
                           system=NEUTRAL_SYSTEM)
    out: dict[str, Any] = {
        "fluency": {"perplexity_median": float(np.nanmedian(ppl)),
                    "perplexity_mean": float(np.nanmean(ppl)),
                    "repetition_rate": float(np.mean([repetition_rate(r) for r in replies])),
                    "distinct_2": distinct_n(replies, 2),
                    "empty": int(sum(not r.strip() for r in replies))}}
    for name, judge in judges.items():
        probs, labels = judge(replies)
        acc = expression_accuracy(probs, labels, targets)
        emo = [x for x in labels if x != "neutral"]
        sub = probs[:, [labels.index(x) for x in emo]]
        # a reply with no emotion at all is not the first emotion by default: leave it unjudged
        sub = np.where((np.nansum(sub, axis=1) > 0)[:, None], sub, np.nan)
        among = expression_accuracy(sub, emo, targets)
        out[name] = {"accuracy": acc["accuracy"], "per_emotion": acc["per_emotion"],
                     "accuracy_among_emotions": among["accuracy"],
                     "per_emotion_among_emotions": among["per_emotion"],
                     "top": acc["top"]}
    return out


def _digest(obj: EmotionDirections | EmotionCircuit) -> str:
    """Content hash of directions or a circuit: saved replies are reused only for the same one."""
    h = hashlib.sha256()
    if isinstance(obj, EmotionDirections):
        h.update(np.ascontiguousarray(obj.vectors).tobytes())
    else:
        for arr in (obj.importance, obj.mlp_delta, obj.head_delta):
            h.update(np.ascontiguousarray(arr, dtype=np.float32).tobytes())
        h.update(json.dumps([obj.neurons, obj.heads], sort_keys=True, default=list).encode())
    return h.hexdigest()[:16]


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def emotion_control(lm: LanguageModel, scenarios: Sequence[Scenario] | None = None, *,
                    directions: EmotionDirections | None = None,
                    circuit: EmotionCircuit | None = None, emotions: Sequence[str] = EMOTIONS,
                    alpha: float = 1.0, layers: Any = None, strength: float = 4.0,
                    weighting: str = "importance",
                    methods: Sequence[str] = ("unsteered", "prompting", "steering", "circuit"),
                    judges: Sequence[str] = ("classifier", "lexicon"),
                    generation: Mapping[str, Any] | None = None,
                    run_dir: str | os.PathLike[str] | None = None,
                    progress: bool = True) -> dict[str, Any]:
    """Emotion-expression accuracy (per emotion) and fluency of each method on held-out
    scenarios (default: the SEV test split), every reply judged by each judge."""
    if scenarios is None:
        _, scenarios = split_scenarios(load_scenarios())
    directions = directions or default_directions(lm, progress)
    circuit = circuit or default_circuit(lm, progress)
    check_fits(lm, directions, circuit)
    gen = {**GENERATION, **(generation or {})}
    prompts = [it.user for it in build_items(scenarios, None)]
    folder = Path(run_dir) if run_dir else None
    conditions: dict[str, Condition] = {
        "unsteered": lambda e: (NEUTRAL_SYSTEM, {}),
        "prompting": lambda e: (emotion_system(e), {}),
        "steering": lambda e: (NEUTRAL_SYSTEM, steering_edits(directions, e, alpha, layers)),
        "circuit": lambda e: (NEUTRAL_SYSTEM, modulation_edits(circuit, e, strength,
                                                               weighting=weighting)),
    }
    unknown = [m for m in methods if m not in conditions]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; choose from {list(conditions)}")
    judge_fns = {name: get_judge(name) for name in judges}
    results: dict[str, Any] = {}
    base = [lm.fingerprint, prompts, gen]
    settings = {"steering": [alpha, layers, _digest(directions)],
                "circuit": [strength, weighting, _digest(circuit)]}
    for method in methods:
        key = _key(*base, method, settings.get(method), list(emotions))
        data = _checkpoint(folder, method, key, lambda m=method: condition_replies(
            lm, prompts, emotions, conditions[m], gen, progress))
        results[method] = {**score_replies(lm, prompts, data, judge_fns),
                           "examples": [{"target": t, "reply": r} for t, r in
                                        list(zip(data["targets"], data["replies"],
                                                 strict=True))[::max(1, len(prompts))][:12]]}
    return {"model": lm.name, "n_scenarios": len(scenarios), "n_prompts": len(prompts),
            "emotions": list(emotions), "alpha": alpha, "layers": layers,
            "strength": strength, "weighting": weighting, "generation": gen,
            "results": results}


def validate_components(lm: LanguageModel, circuit: EmotionCircuit,
                        scenarios: Sequence[Scenario], *, top_neurons: int = 100,
                        top_heads: int = 20, strength: float = 4.0, seed: int = 0,
                        emotions: Sequence[str] = EMOTIONS, judge: str = "classifier",
                        generation: Mapping[str, Any] | None = None,
                        run_dir: str | os.PathLike[str] | None = None,
                        progress: bool = True) -> dict[str, Any]:
    """Ablation (zero the emotion's top components under its own prompt: accuracy should fall)
    and enhancement (inject at them under a neutral prompt: accuracy should rise), each against
    the same number of random components per layer."""
    check_fits(lm, circuit=circuit)
    gen = {**GENERATION, **(generation or {})}
    prompts = [it.user for it in build_items(scenarios, None)]
    folder = Path(run_dir) if run_dir else None
    top = {e: components(circuit, e, top_neurons=top_neurons, top_heads=top_heads)
           for e in emotions}
    rand = {e: random_components(circuit, top[e], seed=seed) for e in emotions}
    conditions: dict[str, Condition] = {
        "prompted": lambda e: (emotion_system(e), {}),
        "ablate_top": lambda e: (emotion_system(e), ablation_edits(top[e])),
        "ablate_random": lambda e: (emotion_system(e), ablation_edits(rand[e])),
        "neutral": lambda e: (NEUTRAL_SYSTEM, {}),
        "enhance_top": lambda e: (NEUTRAL_SYSTEM, modulation_edits(
            circuit, e, strength, weighting="none", comps=top[e])),
        "enhance_random": lambda e: (NEUTRAL_SYSTEM, modulation_edits(
            circuit, e, strength, weighting="none", comps=rand[e])),
    }
    judge_fn = {judge: get_judge(judge)}
    out: dict[str, Any] = {}
    for name, cond in conditions.items():
        key = _key(lm.fingerprint, prompts, gen, name, top_neurons, top_heads, strength, seed,
                   list(emotions), _digest(circuit))
        data = _checkpoint(folder, f"validate_{name}", key, lambda c=cond: condition_replies(
            lm, prompts, emotions, c, gen, progress))
        scored = score_replies(lm, prompts, data, judge_fn)
        out[name] = {"accuracy": scored[judge]["accuracy"],
                     "per_emotion": scored[judge]["per_emotion"],
                     "fluency": scored["fluency"]}
    return {"top_neurons": top_neurons, "top_heads": top_heads, "strength": strength,
            "n_prompts": len(prompts), "judge": judge, "conditions": out}
