"""`affectlab analyze-audio` and `affectlab speech train|evaluate`: emotion from speech.

Exit codes: 0 every file analysed, 1 the run finished but some files could not be analysed
(each has its own status), 2 usage error (bad option, unknown scheme, no sound file in a folder,
an output that exists without --overwrite).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import (
    JsonOption,
    OutputOption,
    OverwriteOption,
    QuietOption,
    console,
    emit_json,
    fail,
    finish,
    gather,
    paths_argument,
    run_library,
    scheme_option,
    start,
)

app = typer.Typer(help="Speech emotion: train and evaluate acoustic models.",
                  no_args_is_help=True)

_CORPUS_HELP = "EmoDB folder (default: AFFECTLAB_DATA or ../shared/data)."
_PATHS = paths_argument("Sound files")
_SCHEME = scheme_option("emodb7 (the model's own)")


def analyze_audio_command(
    paths: _PATHS,
    scheme: _SCHEME = None,
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="A saved speech model folder (default: the shipped one).")] = None,
    speakers: Annotated[str | None, typer.Option(
        "--speakers", help="Normalise per speaker: 'folder' (one speaker per folder) or a "
        "regex whose first group picks the speaker from the file name.")] = None,
    vad: Annotated[bool, typer.Option("--vad/--no-vad",
                                      help="Trim leading/trailing non-speech first.")] = True,
    output: OutputOption = None,
    overwrite: OverwriteOption = False,
    top: Annotated[int, typer.Option(min=1, help="Labels shown per file in the table.")] = 3,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Emotion probabilities, the top label, and valence/arousal per sound file."""
    from affectlab.speech.analyze import analyze_audio
    from affectlab.speech.audio import AUDIO_SUFFIXES

    start(quiet=quiet, output=output, overwrite=overwrite, as_json=as_json)
    files = gather(paths, AUDIO_SUFFIXES, "sound files", as_json)
    records = run_library(lambda: analyze_audio(files, scheme, model=model, vad=vad,
                                         speakers=speakers, output=output,
                                         overwrite=overwrite, progress=not as_json), as_json)
    finish(records, output=output, as_json=as_json, table=lambda rs: _table(rs, top))


def _table(records: Sequence[dict[str, Any]], top: int) -> None:
    table = Table(show_lines=False)
    for col in ("source", "status", "top labels", "valence", "arousal", "flags"):
        table.add_column(col)
    for r in records:
        probs = sorted(r["probs"].items(), key=lambda kv: -kv[1])[:top]
        labels = ", ".join(f"{k} {v:.2f}" for k, v in probs) if probs else (r["error"] or "")
        table.add_row(Path(r["source"]).name, r["status"], labels, _fmt(r["valence"]),
                      _fmt(r["arousal"]), ", ".join(r["flags"] or []))
    console.print(table)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:+.2f}"


def _corpus(path: Path | None) -> Any:
    from affectlab.datasets import load_emodb

    return load_emodb(path)


@app.command("evaluate")
def evaluate_command(
    features: Annotated[str, typer.Option(
        "--features", "-f", help="Feature sets joined by '+': egemaps, compare, logmel.")
    ] = "egemaps",
    C: Annotated[list[float] | None, typer.Option(
        "--C", help="Regularisation; give it several times to choose inside each fold.")
    ] = None,
    head: Annotated[str, typer.Option(
        help="'speaker' (test speaker normalised with its own statistics), 'global', or "
        "'both'.")] = "both",
    vad: Annotated[bool, typer.Option("--vad/--no-vad", help="Trim non-speech first (as "
                                      "the shipped models were trained).")] = True,
    corpus: Annotated[Path | None, typer.Option(help=_CORPUS_HELP)] = None,
    cache: Annotated[Path | None, typer.Option(help="Feature cache folder.")] = None,
    plot: Annotated[Path | None, typer.Option(
        help="Save the confusion matrix PNG here (of the first head).")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Leave-one-speaker-out UAR and WA on EmoDB, the field's protocol."""
    start(quiet=quiet)
    if head not in ("speaker", "global", "both"):
        fail(f"--head must be 'speaker', 'global' or 'both', got {head!r}", as_json=as_json)
    heads = ["speaker", "global"] if head == "both" else [head]
    out = run_library(lambda: _evaluate(features, C, heads, vad, corpus, cache, plot, as_json),
               as_json)
    if as_json:
        emit_json(out)
        return
    table = Table(title=f"EmoDB leave-one-speaker-out, {out['features']}")
    for col in ("head", "UAR", "WA", "chosen C"):
        table.add_column(col)
    for r in out["results"]:
        table.add_row(r["head"], f"{r['uar']:.3f}", f"{r['wa']:.3f}",
                      ", ".join(sorted({str(c) for c in r["chosen_C"].values()})))
    console.print(table)


def _evaluate(features: str, C: list[float] | None, heads: list[str], vad: bool,
              corpus: Path | None, cache: Path | None, plot: Path | None,
              as_json: bool) -> dict[str, Any]:
    """Leave-one-speaker-out results of each head (and the confusion PNG of the first)."""
    from affectlab.speech.classifier import parse_features
    from affectlab.speech.evaluation import loso_evaluate, plot_confusion
    from affectlab.speech.training import corpus_features

    kinds = parse_features(features)
    df = _corpus(corpus)
    X = corpus_features(df, kinds, vad=vad, cache=cache, progress=not as_json)
    out = {"corpus": "emodb", "features": "+".join(kinds), "n": len(df), "vad": vad,
           "protocol": "leave-one-speaker-out", "results": []}
    for i, h in enumerate(heads):
        res = loso_evaluate(X, df["labels"], df["subject"], features=kinds,
                            C=C or [0.1], head=h, progress=not as_json)
        out["results"].append(res.summary())
        if plot is not None and i == 0:
            plot_confusion(res, plot, title=f"EmoDB LOSO, {'+'.join(kinds)} ({h}): "
                           f"UAR {res.uar:.3f}")
    return out


@app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the saved model.")],
    features: Annotated[str, typer.Option("--features", "-f",
                                          help="Feature sets joined by '+'.")] = "egemaps+logmel",
    C: Annotated[float, typer.Option("--C", help="Regularisation.")] = 0.1,
    vad: Annotated[bool, typer.Option("--vad/--no-vad", help="Trim non-speech first.")] = True,
    corpus: Annotated[Path | None, typer.Option(help=_CORPUS_HELP)] = None,
    cache: Annotated[Path | None, typer.Option(help="Feature cache folder.")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train a speech emotion model on all of EmoDB and save it (with its LOSO scores)."""
    from affectlab.speech.training import train_emodb

    start(quiet=quiet)
    path, summary = run_library(lambda: train_emodb(out, features=features, C=C, vad=vad, corpus=corpus,
                                             cache=cache, progress=not as_json), as_json)
    if as_json:
        emit_json({"model": str(path), **summary})
        return
    console.print(f"saved {path}: LOSO UAR speaker {summary['loso']['speaker']['uar']:.3f}, "
                  f"global {summary['loso']['global']['uar']:.3f}")
