"""`affectlab codebook`: codebook-feature models; `tokfsm train` / `tokfsm eval` run the
finite-state-machine task of "Codebook Features" (Tamkin et al., 2023)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail

app = typer.Typer(help="Codebook features: discrete, sparse, steerable bottlenecks.",
                  no_args_is_help=True)
tokfsm_app = typer.Typer(help="The TokFSM task: train and evaluate models with codebooks.",
                         no_args_is_help=True)
app.add_typer(tokfsm_app, name="tokfsm")

_JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def _flat(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows += [(f"{key}.{k}", v) for k, v in _flat(value)]
        elif isinstance(value, float):
            rows.append((key, f"{value:.4f}"))
        else:
            rows.append((key, str(value)))
    return rows


def _show(metrics: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in _flat(metrics):
        table.add_row(k, v)
    console.print(table)


@tokfsm_app.command("train")
def train_command(
    small: Annotated[bool, typer.Option("--small", help="The small configuration (32 states, "
                                                        "2 layers; about a minute).")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder to save the model in.")] = None,
    steps: Annotated[int | None, typer.Option(help="Training steps (default: the "
                                                   "configuration's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for initialisation and data.")] = 0,
    no_codebooks: Annotated[bool, typer.Option("--no-codebooks",
                                               help="Train the same model without codebooks."
                                               )] = False,
    lr: Annotated[float | None, typer.Option(help="AdamW learning rate.")] = None,
    kmeans_init: Annotated[bool, typer.Option(help="K-means initialise the codebooks.")] = False,
    dead_after: Annotated[int | None, typer.Option(help="Replace codes unused this many "
                                                        "steps.")] = None,
    rollouts: Annotated[int | None, typer.Option(help="Sampled rollouts for the final "
                                                      "evaluation.")] = None,
    as_json: bool = _JSON,
) -> None:
    """Train a TinyGPT on the FSM (the paper's configuration unless --small) and report metrics."""
    import torch

    from affectlab.codebook.tokfsm import paper_config, save_result, small_config, train

    make = small_config if small else paper_config
    kw: dict[str, Any] = {"seed": seed, "codebooks": not no_codebooks,
                          "kmeans_init": kmeans_init, "dead_after": dead_after}
    if steps is not None:
        if steps < 1:
            fail("--steps must be at least 1", as_json=as_json)
        kw["steps"] = steps
        kw["eval_every"] = min(make().eval_every, steps)
    if lr is not None:
        kw["lr"] = lr
    if rollouts is not None:
        if rollouts < 1:
            fail("--rollouts must be at least 1", as_json=as_json)
        kw["final_rollouts"] = rollouts
        kw["eval_rollouts"] = min(rollouts, make().eval_rollouts)
    torch.manual_seed(seed)
    result = train(make(**kw), progress=not as_json)
    if out is not None:
        save_result(result, str(out))
    summary = {"configuration": "small" if small else "paper", **result.summary()}
    if out is not None:
        summary["saved_to"] = str(out)
    if as_json:
        emit_json(summary)
    else:
        _show(result.metrics, f"TokFSM ({summary['configuration']}, {result.seconds:.0f} s)")


@tokfsm_app.command("eval")
def eval_command(
    model: Annotated[Path, typer.Option("--model", help="Folder written by `tokfsm train "
                                                        "--out`.")],
    rollouts: Annotated[int, typer.Option(help="Sampled rollouts.")] = 256,
    as_json: bool = _JSON,
) -> None:
    """Evaluate a saved TokFSM model: rollout accuracy, code purity, interventions."""
    from affectlab.codebook.tokfsm import evaluate_model, load_result

    if not (model / "config.json").is_file():
        fail(f"{model} holds no saved model (config.json missing)", as_json=as_json)
    net, fsm, _ = load_result(str(model))
    metrics = evaluate_model(net, fsm, rollouts)
    if as_json:
        emit_json(metrics)
    else:
        _show(metrics, f"TokFSM model {model}")


__all__ = ["app"]
