"""`affectlab probe` and `affectlab lm`: emotion probes, sites, generation inside language models."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail

app = typer.Typer(help="Inside language models: sites, generation, persistence, malleability.",
                  no_args_is_help=True)

_JSON = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")
_MODEL = typer.Option("--model", "-m", help="smollm2 (the packaged SmolLM2-135M-Instruct), a "
                                            "local folder or a cached Hugging Face id.")
_DOWNLOAD = typer.Option(help="Let Hugging Face fetch a model that is not cached.")


def _errors() -> tuple[type[BaseException], ...]:
    from affectlab.datasets import DatasetNotFoundError
    from affectlab.lm.model.loading import ModelNotFoundError

    return (DatasetNotFoundError, ModelNotFoundError, ValueError, KeyError, IndexError, OSError)


def _load(model: str, allow_download: bool) -> Any:
    from affectlab.lm.model.language_model import load

    return load(model, allow_download=allow_download)


def probe_command(
    model: Annotated[str, _MODEL] = "smollm2",
    dataset: Annotated[str, typer.Option(help="goemotions (Ekman-7 from single-label rows), "
                                              "carer or isear.")] = "goemotions",
    scheme: Annotated[str | None, typer.Option(help="Label scheme of the probe (default: the "
                                                    "data set's own; others through the "
                                                    "ontology).")] = None,
    probe: Annotated[str, typer.Option(help="linear (logistic regression) or mlp (the paper's "
                                            "2-layer probe).")] = "linear",
    inputs: Annotated[str, typer.Option(help="raw, chat or raw,chat: texts as they are and/or as "
                                             "a user turn in the chat template.")] = "raw,chat",
    max_train_per_class: Annotated[int | None, typer.Option(
        help="Cap on training rows per class before balancing (CPU budget).")] = 400,
    max_test_per_class: Annotated[int | None, typer.Option(
        help="Cap on test rows per class before undersampling.")] = None,
    epochs: Annotated[int | None, typer.Option(help="MLP probe epochs (paper: 1).")] = None,
    lr: Annotated[float | None, typer.Option(help="MLP probe learning rate (paper: 1e-4).")
                  ] = None,
    c: Annotated[float, typer.Option("--C", help="Linear probe inverse L2 strength (0.001 was "
                                                 "best of 0.001-1 on GoEmotions).")] = 0.001,
    zero_shot: Annotated[bool, typer.Option(help="Also ask the model for the label "
                                                 "(zero-shot baseline).")] = True,
    out: Annotated[Path | None, typer.Option(help="Folder for probe.json and the PNG figures "
                                                  "(default out/probe-<dataset>).")] = None,
    batch_size: Annotated[int, typer.Option(help="Texts per forward pass.")] = 32,
    seed: Annotated[int, typer.Option()] = 0,
    cache: Annotated[bool, typer.Option(help="Reuse activations cached on disk.")] = True,
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Emotion probes at every layer (after "Decoding Emotion in the Deep"), plus zero-shot."""
    from affectlab.lm.probing.probe_data import build_probe_set
    from affectlab.lm.probing.report import probe_study, remap_probe_set

    params: dict[str, Any] = {}
    if probe == "mlp":
        params.update({k: v for k, v in (("epochs", epochs), ("lr", lr)) if v is not None})
    elif probe == "linear":
        params["C"] = c
    from affectlab.lm.probing.report import INPUTS

    chosen = [x.strip() for x in inputs.split(",") if x.strip()]
    if not chosen or any(x not in INPUTS for x in chosen):
        fail(f"--inputs must be raw, chat or raw,chat; got {inputs!r}", as_json=as_json)
    try:
        lm = _load(model, allow_download)
        data = build_probe_set(dataset, max_train_per_class=max_train_per_class,
                               max_test_per_class=max_test_per_class, seed=seed)
        data = remap_probe_set(data, scheme)
        report = probe_study(lm, data, out or Path("out") / f"probe-{data.name}", probe=probe,
                             probe_params=params, inputs=chosen, zero_shot=zero_shot,
                             seed=seed, batch_size=batch_size, cache=cache,
                             progress=not as_json)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(_compact(report))
        return
    _show(report)


def _compact(report: dict[str, Any]) -> dict[str, Any]:
    """The JSON printed for scripts: per-layer scores, peaks, depth fractions, zero-shot."""
    keep = ("model", "dataset", "scheme", "labels", "probe", "n_train", "n_test", "chance",
            "peak", "zero_shot", "plots", "report", "seconds")
    out = {k: report[k] for k in keep if k in report}
    out["inputs"] = {
        name: {"peak_layer": r["peak"]["layer"], "peak_accuracy": r["peak"]["accuracy"],
               "peak_macro_f1": r["peak"]["macro_f1"],
               "depth_fractions": {k: {"layer": v["layer"], "accuracy": v["accuracy"],
                                       "macro_f1": v["macro_f1"]}
                                   for k, v in r["depth_fractions"].items()},
               "layers": [{"layer": s["layer"], "accuracy": s["accuracy"],
                           "macro_f1": s["macro_f1"]} for s in r["layers"]],
               "per_class_f1": r["per_class_f1"]}
        for name, r in report["inputs"].items()}
    return out


def _show(report: dict[str, Any]) -> None:
    inputs = report["inputs"]
    table = Table(title=f"{report['model']}: {report['probe']} probe per layer, "
                        f"{report['dataset']} ({report['scheme']}), chance "
                        f"{report['chance']:.2f}")
    table.add_column("layer", justify="right")
    for name in inputs:
        table.add_column(f"{name} acc", justify="right")
        table.add_column(f"{name} F1", justify="right")
    first = next(iter(inputs.values()))
    for i, row in enumerate(first["layers"]):
        cells = [str(row["layer"])]
        for r in inputs.values():
            s = r["layers"][i]
            mark = "*" if s["layer"] == r["peak"]["layer"] else ""
            cells += [f"{s['accuracy']:.3f}{mark}", f"{s['macro_f1']:.3f}"]
        table.add_row(*cells)
    console.print(table)
    for name, r in inputs.items():
        fr = ", ".join(f"{k} {v['accuracy']:.2f}" for k, v in r["depth_fractions"].items())
        console.print(f"{name}: peak layer {r['peak']['layer']} accuracy "
                      f"{r['peak']['accuracy']:.3f}; by depth {fr}")
    if "zero_shot" in report:
        zs = report["zero_shot"]
        console.print(f"zero-shot (same test rows): accuracy {zs['accuracy']:.3f}, macro-F1 "
                      f"{zs['macro_f1']:.3f}")
    console.print(f"train {report['n_train']} rows (balanced), test {report['n_test']} rows "
                  f"(undersampled); {report['seconds']} s; report {report['report']}")


@app.command("sites")
def sites_command(
    model: Annotated[str, _MODEL] = "smollm2",
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """The named sites of a model (the same names for every family) and its sizes."""
    from affectlab.lm.model.sites import BLOCK_POINTS, MODEL_POINTS

    try:
        lm = _load(model, allow_download)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    info = {"model": lm.name, "family": lm.adapter.family, "n_layers": lm.n_layers,
            "d_model": lm.d_model, "n_heads": lm.n_heads, "d_head": lm.d_head,
            "d_mlp": lm.d_mlp, "chat_template": lm.has_chat_template,
            "block_points": BLOCK_POINTS, "model_points": MODEL_POINTS,
            "example": f"blocks.{lm.n_layers // 2}.resid_post", "n_sites": len(lm.sites())}
    if as_json:
        emit_json(info)
        return
    console.print(f"{lm!r}: heads {lm.n_heads} x {lm.d_head}, MLP {lm.d_mlp}")
    table = Table(title="sites (blocks.{i}.<point> for i in 0.." f"{lm.n_layers - 1})")
    table.add_column("site")
    table.add_column("what it holds")
    for point, what in BLOCK_POINTS.items():
        table.add_row(f"blocks.{{i}}.{point}", what)
    for point, what in MODEL_POINTS.items():
        table.add_row(point, what)
    console.print(table)


@app.command("generate")
def generate_command(
    prompts: Annotated[list[str], typer.Argument(help="Prompts (user turns).")],
    model: Annotated[str, _MODEL] = "smollm2",
    system: Annotated[str | None, typer.Option(help="System prompt (default: the template's "
                                                    "own).")] = None,
    raw: Annotated[bool, typer.Option(help="Continue the text as is, without the chat "
                                           "template.")] = False,
    max_new_tokens: Annotated[int, typer.Option(
        help="Tokens of the reply (of the answer, after thinking).")] = 64,
    sample: Annotated[bool, typer.Option(help="Sample instead of greedy decoding.")] = False,
    temperature: Annotated[float, typer.Option()] = 1.0,
    top_p: Annotated[float, typer.Option()] = 1.0,
    top_k: Annotated[int, typer.Option()] = 50,
    seed: Annotated[int | None, typer.Option()] = None,
    soft: Annotated[bool, typer.Option(
        "--soft", help="Soft Thinking: think in concept tokens (probability-weighted "
        "embedding mixtures), then answer.")] = False,
    cot: Annotated[bool, typer.Option(
        "--cot", help="Think in ordinary tokens through the same loop (the baseline).")
    ] = False,
    top_n: Annotated[int, typer.Option(help="Soft Thinking: tokens mixed per step.")] = 10,
    think_temperature: Annotated[float, typer.Option(help="Soft Thinking: temperature.")] = 0.6,
    think_top_p: Annotated[float, typer.Option(help="Soft Thinking: top-p.")] = 0.95,
    think_top_k: Annotated[int, typer.Option(help="Soft Thinking: top-k.")] = 30,
    min_p: Annotated[float, typer.Option(help="Soft Thinking: min-p.")] = 0.001,
    entropy_threshold: Annotated[float, typer.Option(help="Cold Stop: entropy tau (nats).")
                                 ] = 0.01,
    cold_stop_steps: Annotated[int, typer.Option(help="Cold Stop: consecutive steps L.")] = 256,
    cold_stop: Annotated[bool, typer.Option("--cold-stop/--no-cold-stop",
                                            help="End thinking early when confident.")] = True,
    noise: Annotated[str | None, typer.Option(help="Soft Thinking: 'gumbel' or 'dirichlet'.")
                     ] = None,
    max_think_tokens: Annotated[int, typer.Option(help="Thinking budget.")] = 512,
    think_start: Annotated[str, typer.Option(help="Text that opens the thinking.")
                           ] = "<think>\n",
    think_end: Annotated[str, typer.Option(help="End-of-thinking marker.")] = "</think>",
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Replies of a model to prompts: greedy unless --sample; --soft thinks in concept space
    first (Soft Thinking, with Cold Stop), --cot thinks in tokens first."""
    from affectlab.lm.decoding.generation import generate

    if soft and cot:
        fail("give --soft or --cot, not both", as_json=as_json)
    empty = [i for i, prompt in enumerate(prompts) if not prompt.strip()]
    if empty:  # an empty prompt would only generate blank lines until the budget runs out
        fail(f"prompt {empty[0] + 1} is empty: give the model something to answer",
             as_json=as_json)
    try:
        lm = _load(model, allow_download)
        if soft or cot:
            from affectlab.lm.decoding.soft_thinking import SoftThinkingConfig

            cfg = SoftThinkingConfig(
                top_n=top_n, temperature=think_temperature, top_p=think_top_p,
                top_k=think_top_k, min_p=min_p, entropy_threshold=entropy_threshold,
                cold_stop_steps=cold_stop_steps, cold_stop=cold_stop, noise=noise,
                max_think_tokens=max_think_tokens, think_end=think_end,
                max_answer_tokens=max_new_tokens, answer_do_sample=sample,
                answer_temperature=temperature, answer_top_p=top_p, answer_top_k=top_k)
            results = generate(lm, prompts, mode="soft" if soft else "cot", soft=cfg,
                               think_start=think_start, chat=not raw, system=system,
                               seed=seed, think_do_sample=cot and sample, details=True,
                               progress=not as_json)
            _print_thinking(prompts, results, as_json)
            return
        replies = lm.generate(prompts, chat=not raw, system=system,
                              max_new_tokens=max_new_tokens, do_sample=sample,
                              temperature=temperature, top_p=top_p, top_k=top_k, seed=seed)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json([{"prompt": p, "reply": r} for p, r in zip(prompts, replies, strict=True)])
        return
    for p, r in zip(prompts, replies, strict=True):
        console.print(f"[bold]> {p}[/]", highlight=False)
        console.print(r, highlight=False)


def _print_thinking(prompts: list[str], results: list[Any], as_json: bool) -> None:
    if as_json:
        keys = ("thinking", "answer", "think_tokens", "answer_tokens", "stop_reason", "seconds")
        emit_json([{"prompt": p, "reply": r.text, **{k: getattr(r, k) for k in keys}}
                   for p, r in zip(prompts, results, strict=True)])
        return
    for p, r in zip(prompts, results, strict=True):
        console.print(f"[bold]> {p}[/]", highlight=False)
        console.print(f"[dim]thinking ({r.think_tokens} tokens, ended by {r.stop_reason}):[/] "
                      f"{r.thinking}", highlight=False)
        console.print(r.answer, highlight=False)


def _save_experiment(name: str, result: Any, plot: Any, out: Path | None, lm: Any,
                     data: Any) -> dict[str, Any]:
    """<out>/<name>.json and <name>.png (default folder out/<name>-<dataset>); the report."""
    from affectlab.lm.probing.report import write_json

    folder = out or Path("out") / f"{name}-{data.name}"
    report = {"model": lm.name, "dataset": data.name, **result.to_dict()}
    report["plot"] = str(plot(result, folder / f"{name}.png"))
    report["report"] = str(write_json(report, folder / f"{name}.json"))
    return report


_DATASET = typer.Option(help="goemotions (Ekman-7), carer or isear.")


def _model_and_probe_set(model: str, allow_download: bool, dataset: str, seed: int,
                         train_per_class: int, test_per_class: int) -> tuple[Any, Any]:
    """The language model and the balanced user texts a probing experiment runs on."""
    from affectlab.lm.probing.probe_data import build_probe_set

    lm = _load(model, allow_download)
    return lm, build_probe_set(dataset, max_train_per_class=train_per_class,
                               max_test_per_class=test_per_class, seed=seed)


@app.command("persistence")
def persistence_command(
    model: Annotated[str, _MODEL] = "smollm2",
    dataset: Annotated[str, _DATASET] = "goemotions",
    layer: Annotated[int, typer.Option(help="Residual depth read in the reply: 0 = embeddings, "
                                            "i = block i-1's output; negative from the end.")
                     ] = 20,
    max_offset: Annotated[int, typer.Option(help="Reply offsets 0..K-1 scored.")] = 16,
    max_new_tokens: Annotated[int, typer.Option(help="Reply length (greedy).")] = 24,
    max_train_per_class: Annotated[int, typer.Option(help="User texts per class to train on.")
                                   ] = 60,
    max_test_per_class: Annotated[int, typer.Option(help="User texts per class to test on.")
                                  ] = 30,
    out: Annotated[Path | None, typer.Option(help="Folder for persistence.json and the PNG "
                                                  "(default out/persistence-<dataset>).")] = None,
    batch_size: Annotated[int, typer.Option()] = 16,
    seed: Annotated[int, typer.Option()] = 0,
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Does the user's emotion persist in the model's own reply? Accuracy against reply offset."""
    from affectlab.lm.probing.persistence import persistence, plot_persistence

    try:
        lm, data = _model_and_probe_set(model, allow_download, dataset, seed,
                                        max_train_per_class, max_test_per_class)
        res = persistence(lm, data, layer=layer, max_offset=max_offset,
                          max_new_tokens=max_new_tokens, seed=seed, batch_size=batch_size,
                          progress=not as_json)
        report = _save_experiment("persistence", res, plot_persistence, out, lm, data)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(report)
        return
    table = Table(title=f"{lm.name}: user emotion read from the reply at layer {res.layer} "
                        f"({res.site}), chance {res.chance:.2f}")
    table.add_column("offset", justify="right")
    table.add_column("n", justify="right")
    table.add_column("accuracy", justify="right")
    for j, label in enumerate(res.labels):
        table.add_column(label, justify="right")
    for k, off in enumerate(res.offsets):
        cells = [str(int(off)), str(int(res.counts[k])), _fmt(res.accuracy[k])]
        cells += [_fmt(res.recall[j, k]) for j in range(len(res.labels))]
        table.add_row(*cells)
    console.print(table)
    console.print(f"report {report['report']}, figure {report['plot']}")


def _fmt(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.2f}"  # NaN: no reply reaches this offset


@app.command("malleability")
def malleability_command(
    model: Annotated[str, _MODEL] = "smollm2",
    dataset: Annotated[str, _DATASET] = "goemotions",
    per_class: Annotated[int, typer.Option(help="User texts per class (from the test split).")
                         ] = 15,
    max_new_tokens: Annotated[int, typer.Option(help="Reply length (greedy).")] = 48,
    scheme: Annotated[str, typer.Option(help="Scheme the judge answers in.")] = "ekman7",
    out: Annotated[Path | None, typer.Option(help="Folder for malleability.json and the PNG "
                                                  "(default out/malleability-<dataset>).")
                   ] = None,
    batch_size: Annotated[int, typer.Option()] = 16,
    seed: Annotated[int, typer.Option()] = 0,
    allow_download: Annotated[bool, _DOWNLOAD] = False,
    as_json: bool = _JSON,
) -> None:
    """Replies under no, an emotional and a calm system prompt, judged by the text classifier."""
    from affectlab.lm.probing.malleability import malleability, plot_malleability

    try:
        lm, data = _model_and_probe_set(model, allow_download, dataset, seed, 1, per_class)
        res = malleability(lm, data.test_texts, labels=data.test_labels, scheme=scheme,
                           max_new_tokens=max_new_tokens, batch_size=batch_size)
        report = _save_experiment("malleability", res, plot_malleability, out, lm, data)
    except _errors() as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json({k: v for k, v in report.items() if k not in ("replies", "texts", "probs")})
        return
    table = Table(title=f"{lm.name}: mean judged probability per emotion, and shift from "
                        f"'{res.baseline}'")
    table.add_column("condition")
    for label in res.labels:
        table.add_column(label, justify="right")
    for i, cond in enumerate(res.conditions):
        table.add_row(cond, *(f"{res.mean_prob[i, j]:.2f} ({res.shift[i, j]:+.2f})"
                              for j in range(len(res.labels))))
    console.print(table)
    console.print(f"report {report['report']}, figure {report['plot']}")
