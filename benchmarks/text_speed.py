"""Text inference speed: `affectlab.analyze` against a Hugging Face text-classification pipeline.

Both sides run in one process, on the same encoder (all-MiniLM-L6-v2 unless the model says
otherwise), the same texts (the first 2,000 of the GoEmotions test split after a shuffle with
seed 0), the same batch size, the same token limit and the same torch thread count:

- affectlab: `analyze_frame(texts, model=clf, batch_size=B)`, the full user-facing call
  (length bucketing, dynamic padding, inference mode, probabilities, the result frame);
- pipeline: `transformers.pipeline("text-classification")` over an
  `AutoModelForSequenceClassification` built from the same encoder folder (28 labels,
  multi-label), truncation to the same `max_length`, `batch_size=B`, `top_k=None`, on the CPU.
  Its head is randomly initialised: the two sides share the encoder weights up to the LoRA merge
  and the head, which does not change the speed.

Each side gets one warm-up pass on a few texts, then `--repeats` timed passes (interleaved, best
kept). The script also measures this machine's float32 matmul rate on matrices shaped like the
encoder's feed-forward layers, estimates the FLOPs of affectlab's run from token counts, and
reports the fraction of the matmul rate reached. A correctness check shows that padding and
bucketing do not change the encoder's mean-pooled embeddings or the model's probabilities.

Run (from the repository root):

    .venv/bin/python benchmarks/text_speed.py
    .venv/bin/python benchmarks/text_speed.py --texts 300 --threads 2 --json /tmp/speed.json

Numbers that are kept go to docs/RESULTS.md with the machine, the date and the command.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import _inputs
import _machine
import numpy as np

CHECK_TOLERANCE = 1e-4


# --- inputs -------------------------------------------------------------------------------------

def load_classifier(path: str | None, texts: Sequence[str]) -> tuple[Any, str]:
    """The model to time: `path`, else the shipped default, else a throwaway one (speed only)."""
    from affectlab.text import EmotionClassifier, TrainSettings, default_model_dir
    from affectlab.text.classifier import MANIFEST

    if path is not None:
        return EmotionClassifier.load(path), f"saved model {path}"
    if (default_model_dir() / MANIFEST).is_file():
        return EmotionClassifier.load(), "shipped default model"
    from affectlab.ontology import get_scheme

    names = list(get_scheme("goemotions").label_names)
    sample = list(texts[:64])
    labels = [[names[i % len(names)]] for i in range(len(sample))]
    clf = EmotionClassifier("goemotions", settings=TrainSettings(epochs=0.05), progress=False)
    clf.fit(sample, labels)
    return clf, ("THROWAWAY model (no default model yet, no --model): a few steps on 64 texts; "
                 "same encoder and shapes, so the speed is representative")


def build_pipeline(encoder_dir: str, num_labels: int, max_length: int, batch_size: int) -> Any:
    """The baseline: a CPU text-classification pipeline over the same encoder, head untrained."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # the "newly initialised classifier" notice
    hf_logging.disable_progress_bar()  # the "Loading weights" bar
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tokenizer = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                encoder_dir, num_labels=num_labels, problem_type="multi_label_classification",
                local_files_only=True)
            model.eval()
            return pipeline("text-classification", model=model, tokenizer=tokenizer, device=-1,
                            truncation=True, max_length=max_length, batch_size=batch_size,
                            top_k=None)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


# --- timing -------------------------------------------------------------------------------------

@dataclass
class Side:
    """One side's timings over the full text list."""

    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    def rate(self, n: int) -> float:
        return n / self.best


def timed(fn: Callable[[], Any]) -> float:
    """Wall seconds of one call (garbage collected first, so no earlier litter is timed)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_sides(sides: dict[str, Callable[[list[str]], Any]], texts: list[str], warmup: int,
              repeats: int) -> dict[str, Side]:
    """Warm each side up on a few texts, then time every side `repeats` times, interleaved."""
    for run in sides.values():
        run(texts[:warmup])
    out = {name: Side(name) for name in sides}
    for _ in range(repeats):
        for name, run in sides.items():
            out[name].seconds.append(timed(lambda run=run: run(texts)))
    return out


# --- work and machine rate ----------------------------------------------------------------------

@dataclass
class Work:
    """Token counts and FLOPs of one pass over the texts."""

    real_tokens: int
    bucketed_tokens: int        # affectlab: length-sorted batches, each padded to its longest
    input_order_tokens: int     # pipeline: batches in input order, each padded to its longest
    bucketed_flops: float
    input_order_flops: float
    useful_flops: float         # what the real tokens alone need


def count_work(tokenizer: Any, encoder: Any, texts: Sequence[str], max_length: int,
               batch_size: int) -> Work:
    """Tokens and FLOPs: 2 x non-embedding parameters per token, plus attention scores and
    values (4 x sequence length x hidden per token per layer)."""
    from affectlab.text.encoder import bucketed, token_lengths

    cfg = encoder.config
    params = sum(p.numel() for name, p in encoder.named_parameters()
                 if not name.startswith("embeddings."))
    per_layer = 4 * cfg.hidden_size * cfg.num_hidden_layers

    def flops(rows: int, width: int) -> float:
        return rows * width * (2.0 * params + per_layer * width)

    ids, _ = token_lengths(tokenizer, texts, max_length)
    lengths = np.asarray([len(x) for x in ids], dtype=np.int64)
    b_tokens, b_flops = 0, 0.0
    for batch in bucketed(ids, batch_size, tokenizer.pad_token_id):
        rows, width = batch.input_ids.shape
        b_tokens += rows * width
        b_flops += flops(rows, width)
    i_tokens, i_flops = 0, 0.0
    for start in range(0, len(lengths), batch_size):
        chunk = lengths[start:start + batch_size]
        width = int(chunk.max())
        i_tokens += len(chunk) * width
        i_flops += flops(len(chunk), width)
    useful = float(sum(flops(1, int(n)) for n in lengths))
    return Work(int(lengths.sum()), b_tokens, i_tokens, b_flops, i_flops, useful)


# --- correctness --------------------------------------------------------------------------------

def check_padding(clf: Any, tokenizer: Any, encoder: Any, texts: Sequence[str],
                  max_length: int, k: int = 16) -> dict[str, float]:
    """Max abs differences against running each text alone (no padding): pooled embeddings padded
    in input order and bucketed, and the classifier's probabilities through `forward`."""
    import torch

    from affectlab.text.encoder import bucketed, mean_pool, token_lengths

    by_length = sorted(dict.fromkeys(texts), key=len)
    picks = [by_length[int(i)] for i in np.linspace(0, len(by_length) - 1, k)]
    order = np.random.default_rng(1).permutation(len(picks))
    picks = [picks[i] for i in order]  # mixed lengths, so every batch pads
    ids, _ = token_lengths(tokenizer, picks, max_length)
    pad = tokenizer.pad_token_id

    def pooled(input_ids: Any, mask: Any) -> Any:
        return mean_pool(encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state, mask)

    with torch.inference_mode():
        alone = torch.cat([pooled(torch.tensor([x]), torch.ones(1, len(x), dtype=torch.long))
                           for x in ids])
        order_in = np.arange(len(ids))
        in_order = torch.zeros_like(alone)
        for batch in bucketed(ids, 4, pad, order=order_in):
            in_order[batch.index] = pooled(batch.input_ids, batch.attention_mask)
        buck = torch.zeros_like(alone)
        for batch in bucketed(ids, 4, pad):
            buck[batch.index] = pooled(batch.input_ids, batch.attention_mask)
    heads_batched, _ = clf.forward(picks, batch_size=4)
    heads_alone = [clf.forward([t], batch_size=1)[0] for t in picks]
    prob_diff = max(float(np.abs(heads_batched[name] - np.concatenate(
        [h[name] for h in heads_alone])).max()) for name in heads_batched)
    return {"embedding_input_order_padded": float((in_order - alone).abs().max()),
            "embedding_bucketed": float((buck - alone).abs().max()),
            "classifier_outputs_bucketed": prob_diff}


# --- report -------------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--texts", type=int, default=2000, help="how many texts (default 2000)")
    p.add_argument("--batch-size", type=int, default=64, help="batch size of both sides (64)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch intra-op threads (default: torch's own choice)")
    p.add_argument("--model", default=None, help="saved affectlab model folder "
                   "(default: the shipped model, or a throwaway one while there is none)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes per side, best kept (3)")
    p.add_argument("--json", dest="json_out", default=None, help="also write the results here")
    p.add_argument("--engines", default="torch",
                   help="affectlab engines to time, comma-separated: torch, onnx, onnx-int8")
    args = p.parse_args(argv)
    for name in ("texts", "batch_size", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import torch
    from rich.console import Console
    from rich.table import Table

    from affectlab.text.analyze import analyze_frame
    from affectlab.text.encoder import load_encoder, resolve_encoder

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    console = Console(emoji=False, highlight=False, soft_wrap=True)
    texts, source = _inputs.load_texts(args.texts)
    clf, model_desc = load_classifier(args.model, texts)
    max_length = clf.max_length or 512
    encoder_dir = resolve_encoder(clf.encoder)
    num_labels = len(clf.labels_) if clf.labels_ else 28
    pipe = build_pipeline(encoder_dir, num_labels, max_length, args.batch_size)
    tokenizer, encoder = load_encoder(clf.encoder)
    info = _machine.machine_today()
    console.print(f"texts: {len(texts):,} ({source})")
    console.print(f"model: {model_desc}; encoder {clf.encoder} ({encoder_dir}), "
                  f"max_length {max_length}")
    console.print(f"batch size {args.batch_size}; torch threads {info['torch_threads']} "
                  f"({'set by --threads' if args.threads else 'torch default'}), interop "
                  f"{info['torch_interop_threads']}; {info['cpu']}, {info['cpu_count']} CPUs; "
                  f"torch {info['torch']}, transformers {info['transformers']}")

    def run_pipeline(batch: list[str]) -> None:
        out = pipe(batch)
        assert len(out) == len(batch)

    def run_affectlab(batch: list[str]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the per-call "truncated" notice
            frame = analyze_frame(batch, model=clf, batch_size=args.batch_size)
        assert len(frame) == len(batch)

    def engine_side(engine: str) -> Callable[[list[str]], None]:
        def run(batch: list[str]) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = analyze_frame(batch, model=clf, batch_size=args.batch_size,
                                      engine=engine)
            assert len(frame) == len(batch)

        return run

    warmup = min(len(texts), args.batch_size)
    extra = {f"affectlab {e}": engine_side(e) for e in args.engines.split(",")
             if e.strip() and e.strip() != "torch"}
    sides = run_sides({"pipeline": run_pipeline, "affectlab": run_affectlab, **extra}, texts,
                      warmup, args.repeats)
    n = len(texts)
    base = sides["pipeline"].rate(n)
    work = count_work(tokenizer, encoder, texts, max_length, args.batch_size)
    cfg = encoder.config
    mm_rows = 2048
    mm = _machine.matmul_rate(mm_rows, cfg.hidden_size, cfg.intermediate_size, repeats=args.repeats)
    seconds = sides["affectlab"].best
    achieved = work.bucketed_flops / seconds / 1e9
    useful = work.useful_flops / seconds / 1e9
    checks = check_padding(clf, tokenizer, encoder, texts, max_length)
    passed = all(v < CHECK_TOLERANCE for v in checks.values())

    padding = {"pipeline": work.input_order_tokens, "affectlab": work.bucketed_tokens}
    table = Table(title=f"{n:,} texts, batch size {args.batch_size}, best of {args.repeats}")
    for col in ("side", "texts/s", "seconds", "vs pipeline", "padded / real tokens"):
        table.add_column(col, justify="left" if col == "side" else "right")
    for name in sides:
        side = sides[name]
        table.add_row(name, f"{side.rate(n):,.1f}", f"{side.best:.2f}",
                      f"{side.rate(n) / base:.2f}x",
                      f"{padding.get(name, work.bucketed_tokens) / work.real_tokens:.2f}")
    console.print(table)
    console.print("all timed passes (s): " + "; ".join(
        f"{k} " + ", ".join(f"{s:.2f}" for s in v.seconds) for k, v in sides.items()))
    console.print(f"matmul rate: {mm:,.1f} GFLOP/s (float32, ({mm_rows}, {cfg.hidden_size}) x "
                  f"({cfg.hidden_size}, {cfg.intermediate_size}) and back, best of {args.repeats} "
                  "windows of ~1 s)")
    console.print(f"affectlab: {work.bucketed_flops / 1e9:,.1f} GFLOP computed "
                  f"({work.bucketed_tokens:,} tokens incl. padding, {work.real_tokens:,} real) "
                  f"-> {achieved:,.1f} GFLOP/s = {achieved / mm:.1%} of the matmul rate "
                  f"(real tokens only: {useful:,.1f} GFLOP/s = {useful / mm:.1%})")
    verdict = "[green]pass[/]" if passed else "[red]FAIL[/]"
    console.print(f"padding check (max abs diff vs one text at a time, 16 texts, tolerance "
                  f"{CHECK_TOLERANCE:g}): " + ", ".join(f"{k} {v:.1e}" for k, v in checks.items())
                  + f" -> {verdict}")
    ratio = sides["affectlab"].rate(n) / base
    console.print(f"ratio affectlab / pipeline: {ratio:.2f}x (goal >= 2x: "
                  f"{'reached' if ratio >= 2 else 'not reached'})")

    if args.json_out:
        result = {
            "machine": info, "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "texts": n, "text_source": source, "model": model_desc, "encoder": clf.encoder,
            "max_length": max_length, "batch_size": args.batch_size, "repeats": args.repeats,
            "sides": {k: {"texts_per_s": v.rate(n), "best_seconds": v.best,
                          "seconds": v.seconds, "padded_tokens": padding.get(k)}
                      for k, v in sides.items()},
            "ratio": ratio, "work": asdict(work),
            "matmul": {"gflops": mm, "shape": [mm_rows, cfg.hidden_size, cfg.intermediate_size]},
            "achieved_gflops": achieved, "achieved_fraction": achieved / mm,
            "useful_gflops": useful, "useful_fraction": useful / mm,
            "padding_check": {"max_abs_diff": checks, "tolerance": CHECK_TOLERANCE,
                              "passed": passed},
        }
        out = Path(args.json_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
