"""`affectlab steer` and `affectlab circuits`: emotion directions, steering, circuit discovery,
modulation and the control experiment inside language models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail, warn
from affectlab.cli.lm import _DOWNLOAD, _JSON, _MODEL, _errors, _load

app = typer.Typer(help="Emotion circuits: discover the neurons and heads that write each "
                       "emotion, modulate them, and compare with prompting and steering.",
                  no_args_is_help=True)

_EMOTION = typer.Option("--emotion", "-e", help="anger, sadness, happiness (or joy), fear, "
                                                "surprise or disgust.")
_SYSTEM = typer.Option(help="System prompt (default: the neutral 'Keep the reply to at most two "
                            "sentences.').")


def _replies(prompts: list[str], replies: list[str], as_json: bool, **info: Any) -> None:
    """Print the replies; an empty or degenerate one is flagged (too strong an edit, usually)."""
    from affectlab.lm.model.fluency import reply_quality

    quality = [reply_quality(r) for r in replies]
    for p, q in zip(prompts, quality, strict=True):
        if q is not None:
            warn(f"the reply to {p[:40]!r} is {q}: the edit is probably too strong (try a "
                 "smaller --alpha / --strength)")
    if as_json:
        emit_json([{"prompt": p, "reply": r, "quality": q or "ok", **info}
                   for p, r, q in zip(prompts, replies, quality, strict=True)])
        return
    for p, r in zip(prompts, replies, strict=True):
        console.print(f"[bold]> {p}[/]", highlight=False)
        console.print(r, highlight=False)


def steer_command(
    prompts: Annotated[list[str], typer.Argument(help="Prompts (user turns).")],
    emotion: Annotated[str, _EMOTION] = "happiness",
    alpha: Annotated[float, typer.Option(help="Strength per layer, in units of the residual's "
                                              "RMS.")] = 1.0,
    layers: Annotated[str | None, typer.Option(help="Layers to steer, e.g. '12-21' or '5,7' "
                                                    "(default: a third of the model from 53% "
                                                    "depth).")] = None,
    sublayer: Annotated[str, typer.Option(help="mlp (after the MLP) or attn (after "
                                               "attention).")] = "mlp",
    positions: Annotated[str, typer.Option(help="generation (last prompt token and every new "
                                                "token) or prompt (last prompt token only).")
                         ] = "generation",
    directions: Annotated[Path | None, typer.Option(help="Folder of saved directions (default: "
                                                         "the model's own).")] = None,
    system: Annotated[str | None, _SYSTEM] = None,
    max_new_tokens: Annotated[int, typer.Option()] = 48,
    model: Annotated[str, _MODEL] = "smollm2",
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Replies steered towards an emotion by adding its direction to the residual stream."""
    from affectlab.lm.steering.emotion_directions import EmotionDirections
    from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM
    from affectlab.lm.steering.vectors import check_alpha, steer

    try:
        check_alpha(alpha)
        lm = _load(model, allow_download)
        dirs = EmotionDirections.load(directions) if directions else None
        replies = steer(lm, prompts, emotion, alpha, layers, directions=dirs, sublayer=sublayer,
                        positions=positions, system=system or NEUTRAL_SYSTEM,
                        max_new_tokens=max_new_tokens)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    _replies(prompts, replies, as_json, emotion=emotion, alpha=alpha)


@app.command("modulate")
def modulate_command(
    prompts: Annotated[list[str], typer.Argument(help="Prompts (user turns).")],
    emotion: Annotated[str, _EMOTION] = "happiness",
    strength: Annotated[float, typer.Option(help="Scale of the injected difference vectors.")
                        ] = 4.0,
    weighting: Annotated[str, typer.Option(help="importance (weight each sublayer by its "
                                                "importance) or none.")] = "importance",
    circuit: Annotated[Path | None, typer.Option(help="Folder of a saved circuit (default: the "
                                                      "model's own).")] = None,
    system: Annotated[str | None, _SYSTEM] = None,
    max_new_tokens: Annotated[int, typer.Option()] = 48,
    model: Annotated[str, _MODEL] = "smollm2",
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Replies with an emotion's circuit modulated: its neurons and heads get the emotion's
    difference vectors."""
    from affectlab.lm.steering.circuits import EmotionCircuit
    from affectlab.lm.steering.modulation import modulate
    from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM

    try:
        lm = _load(model, allow_download)
        circ = EmotionCircuit.load(circuit) if circuit else None
        replies = modulate(lm, prompts, emotion, strength, circuit=circ, weighting=weighting,
                           system=system or NEUTRAL_SYSTEM, max_new_tokens=max_new_tokens)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    _replies(prompts, replies, as_json, emotion=emotion, strength=strength)


def _summary(directions: Any, circuit: Any, top: int) -> dict[str, Any]:
    stab = directions.stability
    return {
        "model": directions.meta.get("model"), "n_layers": directions.n_layers,
        "elicitation": directions.meta.get("elicitation"),
        "emotions": directions.emotions, "n_prompts": directions.meta.get("n_prompts"),
        "stability": {sub: {"mean": v["mean"], "shuffled_mean": v["shuffled_mean"]}
                      for sub, v in stab.items()},
        "circuits": {e: {"n_neurons": len(circuit.neurons[e]), "n_heads": len(circuit.heads[e]),
                         "top_neurons": circuit.top_neurons(e, top),
                         "top_heads": circuit.top_heads(e, top),
                         "importance_attn": [round(float(x), 4) for x in
                                             circuit.importance[k, :, 0]],
                         "importance_mlp": [round(float(x), 4) for x in
                                            circuit.importance[k, :, 1]]}
                     for k, e in enumerate(circuit.emotions)},
    }


@app.command("discover")
def discover_command(
    model: Annotated[str, _MODEL] = "smollm2",
    out: Annotated[Path | None, typer.Option(help="Folder for directions and circuit (default "
                                                  "out/circuits-<model>).")] = None,
    elicitation: Annotated[str, typer.Option(help="system (the emotion asked for in the system "
                                                  "prompt, as the paper) or prefill (the reply "
                                                  "begins in the emotion).")] = "system",
    n_neurons: Annotated[int, typer.Option(help="Neurons per emotion circuit.")] = 240,
    n_heads: Annotated[int, typer.Option(help="Heads per emotion circuit.")] = 80,
    max_scenarios: Annotated[int | None, typer.Option(help="Use only the first N training "
                                                           "scenarios (quick looks).")] = None,
    top: Annotated[int, typer.Option(help="Top neurons and heads listed per emotion.")] = 10,
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Directions, neurons, heads and sublayer importance from the SEV training scenarios."""
    from affectlab.core.files import write_json
    from affectlab.lm.steering.circuits import discover_circuits
    from affectlab.lm.steering.plots import plot_importance, plot_stability
    from affectlab.lm.steering.scenarios import load_scenarios, split_scenarios

    try:
        lm = _load(model, allow_download)
        train, _ = split_scenarios(load_scenarios())
        if max_scenarios is not None:
            if max_scenarios < 1:
                raise ValueError("max_scenarios must be at least 1")
            train = train[:max_scenarios]
        directions, circuit = discover_circuits(lm, train, elicitation=elicitation,
                                                n_neurons=n_neurons,
                                                n_heads=n_heads, progress=not as_json)
        folder = out or Path("out") / f"circuits-{Path(str(model)).name}"
        directions.save(folder)
        circuit.save(folder)
        report = {**_summary(directions, circuit, top), "folder": str(folder)}
        report["plots"] = [str(plot_stability(directions, folder / "stability.png")),
                           str(plot_importance(circuit, folder / "importance.png"))]
        write_json(report, folder / "summary.json")
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(report)
        return
    table = Table(title=f"{lm.name}: emotion circuits ({len(train)} training scenarios)")
    for col in ("emotion", "neurons", "heads", "top neurons (layer:index)", "top heads"):
        table.add_column(col)
    for e, c in report["circuits"].items():
        table.add_row(e, str(c["n_neurons"]), str(c["n_heads"]),
                      " ".join(f"{r['layer']}:{r['neuron']}" for r in c["top_neurons"][:5]),
                      " ".join(f"{r['layer']}.{r['head']}" for r in c["top_heads"][:5]))
    console.print(table)
    console.print(f"saved to {folder}; reload with affectlab.lm.EmotionCircuit.load")


@app.command("evaluate")
def evaluate_command(
    model: Annotated[str, _MODEL] = "smollm2",
    circuit: Annotated[Path | None, typer.Option(help="Folder with saved directions and circuit "
                                                      "(default: the model's own).")] = None,
    alpha: Annotated[float, typer.Option(help="Steering strength.")] = 1.0,
    layers: Annotated[str | None, typer.Option(help="Steered layers (default: a third of the "
                                                    "model from 53% depth).")] = None,
    strength: Annotated[float, typer.Option(help="Circuit modulation strength.")] = 4.0,
    max_scenarios: Annotated[int | None, typer.Option(help="Use only the first N held-out "
                                                           "scenarios.")] = None,
    validate: Annotated[bool, typer.Option(help="Also run the ablation/enhancement "
                                                "validation.")] = False,
    validate_scenarios: Annotated[int, typer.Option(help="Held-out scenarios used by the "
                                                         "validation.")] = 8,
    max_new_tokens: Annotated[int, typer.Option(help="Reply length (greedy).")] = 48,
    out: Annotated[Path | None, typer.Option(help="Folder for the report, figure and resumable "
                                                  "replies (default out/emotion-control).")
                   ] = None,
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Emotion-expression accuracy and fluency of prompting, steering and circuit modulation on
    held-out scenarios (resumes where a killed run stopped)."""
    from affectlab.core.files import write_json
    from affectlab.lm.steering.circuits import EmotionCircuit
    from affectlab.lm.steering.emotion_control import emotion_control, validate_components
    from affectlab.lm.steering.emotion_directions import EmotionDirections
    from affectlab.lm.steering.plots import plot_control
    from affectlab.lm.steering.scenarios import load_scenarios, split_scenarios
    from affectlab.lm.steering.vectors import check_alpha

    try:
        check_alpha(alpha)
        lm = _load(model, allow_download)
        _, test = split_scenarios(load_scenarios())
        if max_scenarios is not None:
            if max_scenarios < 1:
                raise ValueError("max_scenarios must be at least 1")
            test = test[:max_scenarios]
        dirs = EmotionDirections.load(circuit) if circuit else None
        circ = EmotionCircuit.load(circuit) if circuit else None
        folder = out or Path("out") / "emotion-control"
        report = emotion_control(lm, test, directions=dirs, circuit=circ, alpha=alpha,
                                 layers=layers, strength=strength, run_dir=folder / "replies",
                                 generation={"max_new_tokens": max_new_tokens},
                                 progress=not as_json)
        if validate:
            from affectlab.lm.steering.defaults import default_circuit

            report["validation"] = validate_components(
                lm, circ or default_circuit(lm), test[:max(1, validate_scenarios)],
                strength=strength, run_dir=folder / "replies",
                generation={"max_new_tokens": max_new_tokens}, progress=not as_json)
        report["plot"] = str(plot_control(report, folder / "emotion_control.png"))
        report["report"] = str(write_json(report, folder / "emotion_control.json"))
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(report)
        return
    res = report["results"]
    table = Table(title=f"{lm.name}: emotion expression on {report['n_prompts']} held-out "
                        "prompts per emotion (classifier judge)")
    table.add_column("method")
    table.add_column("accuracy", justify="right")
    emotions = report["emotions"]
    for e in emotions:
        table.add_column(e, justify="right")
    table.add_column("perplexity", justify="right")
    table.add_column("repetition", justify="right")
    for method, r in res.items():
        c = r["classifier"]
        table.add_row(method, f"{c['accuracy']:.3f}",
                      *[f"{c['per_emotion'][e]:.2f}" for e in emotions],
                      f"{r['fluency']['perplexity_median']:.1f}",
                      f"{r['fluency']['repetition_rate']:.3f}")
    console.print(table)
    if "validation" in report:
        val = report["validation"]
        vt = Table(title=f"Validation: top {val['top_neurons']} neurons and {val['top_heads']} "
                         "heads against random ones")
        vt.add_column("condition")
        vt.add_column("accuracy", justify="right")
        vt.add_column("perplexity", justify="right")
        for name, row in val["conditions"].items():
            vt.add_row(name, f"{row['accuracy']:.3f}",
                       f"{row['fluency']['perplexity_median']:.1f}")
        console.print(vt)
    console.print(f"report {report['report']}, figure {report['plot']}")
