"""`affectlab codebook`: codebook-feature models; `tokfsm train` / `tokfsm eval` run the
finite-state-machine task of "Codebook Features" (Tamkin et al., 2023); `train`, `search` and
`steer` put codebooks into the language model (SmolLM2), find emotion codes and steer with them."""

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
                                                        "2 layers; about 1.5 minutes).")
                     ] = False,
    out: Annotated[Path | None, typer.Option(help="Folder to save the model in.")] = None,
    steps: Annotated[int | None, typer.Option(help="Training steps (default: the "
                                                   "configuration's).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for initialisation and data.")] = 0,
    no_codebooks: Annotated[bool, typer.Option("--no-codebooks",
                                               help="Train the same model without codebooks."
                                               )] = False,
    lr: Annotated[float | None, typer.Option(help="AdamW learning rate.")] = None,
    paper_recipe: Annotated[bool, typer.Option(
        "--paper-recipe", help="The paper's training recipe as such (random codes, no dead-code "
                               "replacement, no warm-up, lr 1e-3) instead of the tuned one.")
    ] = False,
    kmeans_init: Annotated[bool | None, typer.Option(
        "--kmeans-init/--no-kmeans-init", help="K-means initialise the codebooks (default: "
                                               "the recipe's).")] = None,
    dead_after: Annotated[int | None, typer.Option(help="Replace codes unused this many steps "
                                                        "(0: never; default: the recipe's).")
                          ] = None,
    quantize_after: Annotated[int | None, typer.Option(
        help="Steps with the codebooks bypassed before they engage (default: the recipe's).")
    ] = None,
    rollouts: Annotated[int | None, typer.Option(help="Sampled rollouts for the final "
                                                      "evaluation.")] = None,
    as_json: bool = _JSON,
) -> None:
    """Train a TinyGPT on the FSM (the paper's model and task unless --small) and report metrics.

    The tuned recipe (k-means initialisation, dead-code replacement, lr 3e-3, gradient clipping,
    codebooks on after the first fifth of training) unless --paper-recipe."""
    from dataclasses import replace

    import torch

    from affectlab.synthetic.tokfsm import (
        PAPER_RECIPE,
        paper_config,
        save_result,
        small_config,
        train,
        with_steps,
    )

    make = small_config if small else paper_config
    kw: dict[str, Any] = {"seed": seed, "codebooks": not no_codebooks}
    if paper_recipe:
        kw.update(PAPER_RECIPE)
    if kmeans_init is not None:
        kw["kmeans_init"] = kmeans_init
    if dead_after is not None:
        if dead_after < 0:
            fail("--dead-after must be 0 (never) or a positive number of steps",
                 as_json=as_json)
        kw["dead_after"] = dead_after or None
    if quantize_after is not None:
        if quantize_after < 0:
            fail("--quantize-after must be at least 0", as_json=as_json)
        kw["quantize_after"] = quantize_after
    if steps is not None and steps < 1:
        fail("--steps must be at least 1", as_json=as_json)
    if lr is not None:
        kw["lr"] = lr
    if rollouts is not None:
        if rollouts < 1:
            fail("--rollouts must be at least 1", as_json=as_json)
        kw["final_rollouts"] = rollouts
        kw["eval_rollouts"] = min(rollouts, make().eval_rollouts)
    cfg = make(**kw)
    if steps is not None:  # the codebook warm-up keeps its share unless given
        cfg = with_steps(cfg, steps)
        if quantize_after is not None:
            cfg = replace(cfg, quantize_after=quantize_after)
    torch.manual_seed(seed)
    try:
        result = train(cfg, progress=not as_json)
    except ValueError as exc:
        fail(str(exc), as_json=as_json)
    if out is not None:
        save_result(result, str(out))
    summary = {"configuration": "small" if small else "paper",
               "recipe": "paper" if paper_recipe else "tuned", **result.summary()}
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
    from affectlab.core.errors import ManifestError, ModelNotFoundError
    from affectlab.synthetic.tokfsm import evaluate_model, load_result

    try:
        net, fsm, _ = load_result(model)
    except (ModelNotFoundError, ManifestError) as exc:
        fail(f"{exc} (a folder written by `affectlab codebook tokfsm train --out`)",
             as_json=as_json)
    metrics = evaluate_model(net, fsm, rollouts)
    if as_json:
        emit_json(metrics)
    else:
        _show(metrics, f"TokFSM model {model}")


# -- codebooks in the language model ----------------------------------------------------------
def _model_dir(model: Path | None, as_json: bool) -> Path:
    """The given codebook-model folder or the shipped default, checked."""
    from affectlab.codebook.lm_codes import WEIGHTS, default_model_dir, read_codebook_manifest
    from affectlab.core.errors import ManifestError, ModelNotFoundError

    folder = default_model_dir() if model is None else model
    try:
        read_codebook_manifest(folder)
        if not (folder / WEIGHTS).is_file():
            raise ModelNotFoundError(f"{folder} holds no saved codebook model ({WEIGHTS} "
                                     "missing)")
    except ModelNotFoundError:
        if model is None:
            fail("no codebook model shipped here: pass --model DIR (a folder written by "
                 "`affectlab codebook train --out DIR`)", as_json=as_json)
        fail(f"{folder} holds no saved codebook model (affectlab.json and {WEIGHTS} expected; "
             "train one with `affectlab codebook train --out DIR`)", as_json=as_json)
    except ManifestError as exc:
        fail(str(exc), as_json=as_json)
    return folder


def _emotion(name: str, as_json: bool) -> str:
    from affectlab.codebook.lm_codes import normalise_emotion
    from affectlab.errors import UnknownNameError

    try:
        return normalise_emotion(name)
    except UnknownNameError as exc:
        fail(str(exc), as_json=as_json)


@app.command("train")
def lm_train_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to save the codebooks in.")],
    base: Annotated[str | None, typer.Option(help="Base model id or path (default: the "
                                                  "packaged SmolLM2-135M-Instruct).")] = None,
    sites: Annotated[str, typer.Option(help="Comma-separated sites for codebooks.")] = (
        "blocks.18.mlp.out,blocks.22.mlp.out"),
    num_codes: Annotated[int, typer.Option(help="Codes per codebook.")] = 1024,
    k: Annotated[int, typer.Option("--k", help="Codes chosen per token.")] = 8,
    steps: Annotated[int, typer.Option(help="Training steps (codebooks only).")] = 400,
    batch_size: Annotated[int, typer.Option(help="Texts per step.")] = 8,
    max_len: Annotated[int, typer.Option(help="Tokens per text at most.")] = 48,
    lr: Annotated[float, typer.Option(help="AdamW learning rate.")] = 1e-3,
    train_per_label: Annotated[int, typer.Option(help="Training texts per label.")] = 600,
    eval_per_label: Annotated[int, typer.Option(help="Held-out texts per label for the "
                                                     "loss.")] = 80,
    search_per_label: Annotated[int, typer.Option(help="Dev texts per label for the code "
                                                       "search.")] = 150,
    seed: Annotated[int, typer.Option(help="Seed for data and initialisation.")] = 0,
    as_json: bool = _JSON,
) -> None:
    """Fine-tune codebooks in the language model on emotional text, search emotion codes, save.

    Only the codebooks are written (safetensors, search.json, affectlab.json), not the base
    model.
    """
    import torch

    from affectlab.codebook import lm_codes as C
    from affectlab.datasets import DatasetNotFoundError
    from affectlab.lm import load as load_lm

    for name, value in (("--steps", steps), ("--batch-size", batch_size),
                        ("--max-len", max_len), ("--num-codes", num_codes),
                        ("--train-per-label", train_per_label),
                        ("--eval-per-label", eval_per_label),
                        ("--search-per-label", search_per_label)):
        if value < 1:
            fail(f"{name} must be at least 1", as_json=as_json)
    if not 1 <= k <= num_codes:
        fail(f"--k must lie in [1, --num-codes={num_codes}]", as_json=as_json)
    torch.manual_seed(seed)
    try:
        lm = load_lm(base)
        cbm = C.attach_codebooks(lm, [s for s in sites.split(",") if s.strip()], num_codes, k)
        train = C.emotion_texts("train", train_per_label, seed=seed)
        test = C.emotion_texts("test", eval_per_label, seed=seed)
        dev = C.emotion_texts("dev", search_per_label, seed=seed)
    except (ValueError, KeyError, IndexError, FileNotFoundError, DatasetNotFoundError) as exc:
        fail(str(exc), as_json=as_json)
    show = not as_json
    texts = [t for t, _ in train]
    C.init_codebooks(cbm, texts, max_len=max_len, progress=show)
    history = C.train_codebooks(cbm, texts, steps=steps, batch_size=batch_size,
                                max_len=max_len, lr=lr, seed=seed, progress=show)
    loss = C.lm_loss(cbm, [t for t, _ in test], max_len=max_len, progress=show)
    C.search_codes(cbm, [t for t, _ in dev], [y for _, y in dev], max_len=max_len,
                   progress=show)
    cbm.info = {"steps": steps, "batch_size": batch_size, "max_len": max_len, "lr": lr,
                "loss": loss, "seconds": history["seconds"]}
    cbm.save(out)
    summary = {"saved_to": str(out), "sites": cbm.sites, "num_codes": num_codes, "k": k,
               "loss": loss, "training_seconds": history["seconds"],
               "top_codes": {e: [f"{x['site']}#{x['code']}" for x in v[:3]]
                             for e, v in cbm.search.items()}}
    if as_json:
        emit_json(summary)
    else:
        _show({"loss": loss, "training_seconds": history["seconds"]},
              f"Codebooks saved to {out}")


@app.command("search")
def lm_search_command(
    emotion: Annotated[str, typer.Option("--emotion", help="Ekman emotion: anger, disgust, "
                                                           "fear, joy, sadness, surprise.")],
    model: Annotated[Path | None, typer.Option("--model", help="Folder written by `codebook "
                                                               "train` (default: shipped).")
                     ] = None,
    top: Annotated[int, typer.Option("--top", help="How many codes to show.")] = 5,
    texts: Annotated[Path | None, typer.Option(
        "--texts", help="Search on your own labelled texts (.csv, .jsonl or .parquet with "
                        "text and label columns) instead of the search saved with the model."
    )] = None,
    text_column: Annotated[str, typer.Option(help="Text column of --texts.")] = "text",
    label_column: Annotated[str, typer.Option(help="Label column of --texts.")] = "label",
    min_count: Annotated[int, typer.Option(help="Firings a code needs on the emotion's "
                                                "tokens to be ranked (with --texts).")] = 5,
    max_len: Annotated[int, typer.Option(help="Tokens per text at most (with --texts).")] = 48,
    save: Annotated[bool, typer.Option("--save", help="Store the new search in the --model "
                                                      "folder (with --texts).")] = False,
    as_json: bool = _JSON,
) -> None:
    """The codes most associated with an emotion, with the contexts where they fire.

    Reads the search saved with the model, or with --texts runs a new one on your texts (every
    Ekman emotion among their labels; the other labels are the contrast)."""
    from affectlab.codebook.lm_codes import SEARCH, read_codebook_manifest
    from affectlab.core.files import read_json

    target = _emotion(emotion, as_json)
    if top < 1:
        fail("--top must be at least 1", as_json=as_json)
    folder = _model_dir(model, as_json)
    if save and (texts is None or model is None):
        fail("--save needs --texts and --model DIR (the shipped model is not overwritten)",
             as_json=as_json)
    if texts is not None:
        search = _search_texts(folder, texts, target, text_column, label_column, min_count,
                               max_len, top, save, as_json)
    elif not (folder / SEARCH).is_file():
        fail(f"{folder} has no code search ({SEARCH}); retrain with `affectlab codebook train` "
             "or search your own texts with --texts FILE", as_json=as_json)
    else:
        search = read_json(folder / SEARCH)
    if not search.get(target):
        fail(f"the code search in {folder} has no codes for {target!r}", as_json=as_json)
    ranked = search[target][:top]
    backbone = read_codebook_manifest(folder).backbone
    base = backbone.get("name") if isinstance(backbone, dict) else backbone
    if as_json:
        emit_json({"emotion": target, "model": str(folder), "base_model": base, "codes": ranked})
        return
    table = Table(title=f"Codes of {target} ({folder})")
    for col in ("site", "code", "log-odds", "precision", "recall", "example"):
        table.add_column(col)
    for e in ranked:
        table.add_row(e["site"], str(e["code"]), f"{e['log_odds']:.2f}",
                      f"{e['precision']:.2f}", f"{e['recall']:.3f}",
                      (e.get("examples") or [""])[0])
    console.print(table)


def _search_texts(folder: Path, texts: Path, target: str, text_column: str, label_column: str,
                  min_count: int, max_len: int, top: int, save: bool,
                  as_json: bool) -> dict[str, Any]:
    """A new code search on labelled texts from a file (saved into `folder` with `save`)."""
    from affectlab.codebook import lm_codes as C

    if min_count < 1 or max_len < 1:
        fail("--min-count and --max-len must be at least 1", as_json=as_json)
    try:
        rows = C.labelled_texts(texts, text_column=text_column, label_column=label_column)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc), as_json=as_json)
    labels = [y for _, y in rows]
    if target not in labels:
        fail(f"{texts} has no texts labelled {target!r} (labels: {sorted(set(labels))[:10]})",
             as_json=as_json)
    if len(set(labels)) < 2:
        fail(f"{texts} needs texts of at least one other label to contrast {target!r} with",
             as_json=as_json)
    try:
        cbm = C.load_codebook_model(folder)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc), as_json=as_json)
    emotions = [e for e in C.EKMAN if e in labels]
    search = C.search_codes(cbm, [t for t, _ in rows], labels, emotions=emotions,
                            top=max(top, 10), min_count=min_count, max_len=max_len,
                            progress=not as_json)
    if save:  # in the precision it was saved in
        cbm.save(folder, dtype=C.read_codebook_manifest(folder).config.get("dtype", "float32"))
    return search


@app.command("steer")
def lm_steer_command(
    prompts: Annotated[list[str], typer.Argument(help="Prompts to reply to.")],
    emotion: Annotated[str, typer.Option("--emotion", help="Ekman emotion to force.")],
    model: Annotated[Path | None, typer.Option("--model", help="Folder written by `codebook "
                                                               "train` (default: shipped).")
                     ] = None,
    n_codes: Annotated[int | None, typer.Option(help="Codes forced per site (default k).")
                       ] = None,
    sites: Annotated[str | None, typer.Option(help="Comma-separated sites to force (default "
                                                   "all).")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Reply length at most.")] = 48,
    compare: Annotated[bool, typer.Option("--compare/--no-compare",
                                          help="Also write the unsteered replies.")] = False,
    judge: Annotated[bool, typer.Option("--judge/--no-judge", help="Judge the replies' emotion "
                                        "with the text classifier.")] = True,
    as_json: bool = _JSON,
) -> None:
    """Reply to prompts with an emotion's codes forced at the generation positions."""
    from affectlab.codebook.lm_codes import load_codebook_model, steer_codes
    from affectlab.lm.steering.scenarios import NEUTRAL_SYSTEM

    target = _emotion(emotion, as_json)
    if not prompts or any(not p.strip() for p in prompts):
        fail("empty prompt: give at least one non-empty PROMPT", as_json=as_json)
    if max_new_tokens < 1:
        fail("--max-new-tokens must be at least 1", as_json=as_json)
    folder = _model_dir(model, as_json)
    try:
        cbm = load_codebook_model(folder)
        replies = steer_codes(cbm, prompts, target, n_codes=n_codes,
                              sites=sites.split(",") if sites else None,
                              max_new_tokens=max_new_tokens, repetition_penalty=1.1)
    except (ValueError, KeyError, IndexError, FileNotFoundError) as exc:
        fail(str(exc), as_json=as_json)
    rows: list[dict[str, Any]] = [{"prompt": p, "reply": r} for p, r in
                                  zip(prompts, replies, strict=True)]
    if compare:
        with cbm.bypass():
            plain = cbm.lm.generate(prompts, system=NEUTRAL_SYSTEM,
                                    max_new_tokens=max_new_tokens, repetition_penalty=1.1)
        for row, r in zip(rows, plain, strict=True):
            row["unsteered"] = r
    if judge:
        import numpy as np

        from affectlab.lm.model.judges import analyze_judge

        keys = ["reply", "unsteered"] if compare else ["reply"]
        for key in keys:
            probs, labels = analyze_judge()([row[key] or " " for row in rows])
            for row, p in zip(rows, probs, strict=True):
                row[f"{key}_emotion"] = (None if np.isnan(p).any()
                                         else labels[int(np.argmax(p))])
    if as_json:
        emit_json({"emotion": target, "model": str(folder), "replies": rows})
        return
    for row in rows:
        console.print(f"[bold]{row['prompt']}[/]", highlight=False)
        tag = f" [{row['reply_emotion']}]" if "reply_emotion" in row else ""
        console.print(f"  {target}{tag}: {row['reply']}", highlight=False)
        if "unsteered" in row:
            tag = f" [{row['unsteered_emotion']}]" if "unsteered_emotion" in row else ""
            console.print(f"  unsteered{tag}: {row['unsteered']}", highlight=False)


__all__ = ["app"]
