"""Text emotion accuracy on the official test splits: affectlab's models beside two baselines.

Measures, each in one table with the same rows (TF-IDF + LR, frozen MiniLM + LR, affectlab LoRA
MiniLM without and with emotion-word masking, the published anchor, the goal):

- GoEmotions-28 macro-F1 with per-label thresholds tuned on dev (also at 0.5, and micro-F1);
- GoEmotions mapped to Ekman-7 through the ontology, macro-F1 at thresholds tuned on dev;
- CARER-6 accuracy and TweetEval-4 macro-F1, each model trained on that corpus;
- EmoBank Pearson r per dimension (valence, arousal, dominance);
- out of domain: the GoEmotions model on ISEAR (all rows) and on MELD (test), macro-F1 over the
  classes the ontology mapping reaches.

The baselines are fitted here on each corpus's train split, with C (and the ridge alpha) chosen
and thresholds tuned on dev, and scored on test by the same functions that score affectlab's
models (`affectlab.text.evaluation`). affectlab's models are read from `--models DIR`
(subfolders goemotions_plain, goemotions_masked, carer, tweeteval): their stored test metrics,
or a fresh evaluation with `--reevaluate`.

Run (from the repository root):

    .venv/bin/python benchmarks/text_accuracy.py --models models \\
        --out docs/results/text_accuracy.json --markdown docs/results/text_accuracy.md
    .venv/bin/python benchmarks/text_accuracy.py --limit 300 --skip-frozen --out /tmp/acc.json

`--limit N` keeps the first N rows of every split: for checking the script, not for numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import _machine
import numpy as np

TFIDF = "TF-IDF + LR"
FROZEN = "frozen MiniLM + LR"
PLAIN = "affectlab LoRA MiniLM (no masking)"
MASKED = "affectlab LoRA MiniLM (emotion-word masking)"
ANCHOR = "published anchor"
GOAL = "goal"
MODEL_ROWS = (TFIDF, FROZEN, PLAIN, MASKED)
CORPORA = ("goemotions", "carer", "tweeteval", "emobank")
MODEL_DIRS = ("goemotions_plain", "goemotions_masked", "carer", "tweeteval")
GO = "GoEmotions-28"
EK = "GoEmotions→Ekman-7"
OOD_F1 = "(out of domain) macro-F1 over shared classes"
OOD_ACC = "(out of domain) accuracy"


@dataclass
class Column:
    """One column of a table: a header and the evaluation key it shows (a 0-1 number)."""

    header: str
    key: str
    anchor: str = "—"
    goal: str = "—"


@dataclass
class TableSpec:
    key: str
    title: str
    columns: list[Column]
    note: str = ""


TABLES = [
    TableSpec("goemotions28", "GoEmotions-28, test: macro-F1 with per-label thresholds tuned on dev",
              [Column("macro-F1 (dev-tuned)", f"{GO} macro-F1 (dev-tuned thresholds)",
                      "BERT-base 0.46; RoBERTa-base 0.54 (tuned)", "0.50"),
               Column("macro-F1 (0.5)", f"{GO} macro-F1 (threshold 0.5)"),
               Column("micro-F1 (dev-tuned)", f"{GO} micro-F1 (dev-tuned thresholds)")]),
    TableSpec("ekman7", "GoEmotions mapped to Ekman-7, test: macro-F1 (thresholds tuned on dev)",
              [Column("macro-F1 (dev-tuned)", f"{EK} macro-F1 (dev-tuned thresholds)",
                      "BERT-base 0.64", "0.62"),
               Column("macro-F1 (0.5)", f"{EK} macro-F1 (threshold 0.5)"),
               Column("micro-F1 (dev-tuned)", f"{EK} micro-F1 (dev-tuned thresholds)")],
              "the ontology's GoEmotions→Ekman mapping; a model trained on GoEmotions-28"),
    TableSpec("carer6", "CARER-6, test: accuracy (trained on CARER)",
              [Column("accuracy", "carer accuracy", "DistilBERT ≈0.93", "0.92"),
               Column("macro-F1", "carer macro-F1")]),
    TableSpec("tweeteval4", "TweetEval-4 emotion, test: macro-F1 (trained on TweetEval)",
              [Column("macro-F1", "tweeteval macro-F1",
                      "RoBERTa-base 0.761; FastText 0.652 (76.1 / 65.2 on 0-100)", "0.75"),
               Column("accuracy", "tweeteval accuracy")]),
    TableSpec("emobank", "EmoBank, test: Pearson r",
              [Column("valence r", "EmoBank valence r", goal="≥ 0.70"),
               Column("arousal r", "EmoBank arousal r", goal="≥ 0.45"),
               Column("dominance r", "EmoBank dominance r")],
              "baselines: ridge on EmoBank train (alpha chosen on dev); affectlab: the V/A/D head "
              "trained with the GoEmotions model on EmoBank train"),
    TableSpec("out_of_domain", "Out of domain: the GoEmotions model through the ontology mapping, "
              "macro-F1 over shared classes",
              [Column("ISEAR macro-F1", f"isear {OOD_F1}", "none: reported", "report"),
               Column("ISEAR accuracy", f"isear {OOD_ACC}"),
               Column("MELD test macro-F1", f"meld {OOD_F1}", "none: reported", "report"),
               Column("MELD test accuracy", f"meld {OOD_ACC}")],
              "ISEAR: all rows; MELD: test split; rows whose gold class the mapping does not "
              "reach are left out"),
]


@dataclass
class Run:
    """Everything measured: scores per row, details, wall times, notes."""

    scores: dict[str, dict[str, Any]] = field(default_factory=lambda: {r: {} for r in MODEL_ROWS})
    details: dict[str, dict[str, Any]] = field(default_factory=lambda: {r: {} for r in MODEL_ROWS})
    sources: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- data ---------------------------------------------------------------------------------------

class Corpora:
    """Corpora loaded once each, cut to `limit` rows per split when given."""

    def __init__(self, data_dir: str | None, limit: int | None) -> None:
        self.data_dir, self.limit = data_dir, limit
        self._frames: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        from affectlab import datasets

        if name not in self._frames:
            path = None if self.data_dir is None else \
                Path(self.data_dir) / datasets.info(name).folder
            frame = datasets.load(name, path=path)
            if self.limit is not None:
                frame = frame.groupby("split", group_keys=False, dropna=False).head(self.limit)
            self._frames[name] = frame
        return self._frames[name]


def labelled(frame: Any, part: str, multi: bool) -> tuple[list[str], list[Any]]:
    """Texts and labels of one split: label lists (multi-label) or one label per text."""
    from affectlab.text.evaluation import split

    rows = split(frame, part)
    return rows["text"].tolist(), [list(x) if multi else x[0] for x in rows["labels"]]


# --- measuring ----------------------------------------------------------------------------------

class Clock:
    """Wall time per named part, logged to the console as each part ends."""

    def __init__(self, run: Run, log: Callable[[str], None]) -> None:
        self.run, self.log = run, log

    @contextmanager
    def __call__(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            s = time.perf_counter() - started
            self.run.seconds[part] = round(self.run.seconds.get(part, 0.0) + s, 2)
            self.log(f"{part}: {s:.1f} s")


def baseline_parts(args: argparse.Namespace, corpora: Corpora, run: Run, clock: Clock,
                   progress: Any, step: Callable[[], None]) -> None:
    """Fit, tune and score both baselines on every corpus asked for."""
    from affectlab.text import evaluation as ev
    from affectlab.text.baselines import FrozenEncoderBaseline, TfidfBaseline

    kinds: list[tuple[str, Callable[..., Any]]] = [(TFIDF, TfidfBaseline)]
    if not args.skip_frozen:
        kinds.append((FROZEN, lambda *a, **k: FrozenEncoderBaseline(*a, progress=progress,
                                                                    batch_size=args.batch_size,
                                                                    **k)))
    for corpus in args.corpora:
        with clock(f"{corpus}: load"):
            frame = corpora(corpus)
            if corpus == "goemotions" and not args.skip_ood:
                corpora("isear"), corpora("meld")
        for row, make in kinds:
            scores, details = run.scores[row], run.details[row]
            with clock(f"{corpus}: {row} (fit on train, tune on dev)"):
                if corpus == "emobank":
                    train, dev = ev.split(frame, "train"), ev.split(frame, "dev")
                    base = make(None, n_jobs=args.jobs).fit_vad(train["text"].tolist(), ev.emobank_targets(train),
                                              dev=(dev["text"].tolist(), ev.emobank_targets(dev)))
                else:
                    multi = corpus == "goemotions"
                    base = make(ev.CORPUS_SCHEME[corpus], multi, n_jobs=args.jobs).fit(
                        *labelled(frame, "train", multi), dev=labelled(frame, "dev", multi))
            with clock(f"{corpus}: {row} (score on test)"):
                if corpus == "goemotions":
                    scores.update(ev.evaluate_goemotions(base, frame))
                elif corpus == "emobank":
                    scores.update(ev.evaluate_vad(base, frame))
                else:
                    scores.update(ev.evaluate_single(base, frame, corpus))
            if corpus == "goemotions" and not args.skip_ood:
                with clock(f"{corpus}: {row} (out of domain: ISEAR all, MELD test)"):
                    scores.update(ev.evaluate_out_of_domain(base, corpora("isear"), "isear"))
                    scores.update(ev.evaluate_out_of_domain(base, corpora("meld"), "meld",
                                                            part="test"))
            details[corpus] = base.info_
            edge_notes(run, row, corpus, base)
            run.sources[row] = ("fitted by this script on train, tuned on dev, scored on test"
                                + (f" (first {args.limit} rows per split)" if args.limit else ""))
            del base
            step()


def reuse_baselines(path: Path, run: Run) -> None:
    """Baseline rows from an earlier run's JSON (they do not change when only models change)."""
    prev = json.loads(path.read_text(encoding="utf-8"))
    for row in (TFIDF, FROZEN):
        run.scores[row] = prev["scores"].get(row, {})
        run.details[row] = prev["details"].get(row, {})
        if row in prev.get("sources", {}):
            run.sources[row] = prev["sources"][row]
    for part, seconds in prev.get("wall seconds", {}).items():
        run.seconds.setdefault(part, seconds)
    run.notes += [n for n in prev.get("notes", []) if n not in run.notes]
    run.notes.append(f"baseline rows reused from {path} ({prev.get('date')}, command: "
                     f"{prev.get('command')})")


def edge_notes(run: Run, row: str, corpus: str, base: Any) -> None:
    """A note when dev chose C or alpha at the end of its grid (a wider grid might do better)."""
    for head, value, grid in (("labels", "C", base.Cs), ("vad", "alpha", base.alphas)):
        chosen = base.info_.get(head, {}).get(value)
        if chosen is not None and len(grid) > 1 and chosen in (min(grid), max(grid)):
            run.notes.append(f"{row} on {corpus}: dev chose {value}={chosen:g}, at the end of "
                             f"the grid {', '.join(f'{g:g}' for g in grid)}")


def affectlab_parts(args: argparse.Namespace, corpora: Corpora, run: Run, clock: Clock,
                    step: Callable[[], None]) -> None:
    """affectlab's saved models: stored test metrics, or re-evaluated with `--reevaluate`."""
    from affectlab.text import EmotionClassifier, ModelNotFoundError
    from affectlab.text import evaluation as ev

    root = Path(args.models) if args.models else None
    for sub in MODEL_DIRS:
        if root is None or not (root / sub).is_dir():
            run.notes.append(f"no affectlab model at {root / sub if root else '--models DIR/' + sub}"
                             "; its cells are empty")
            step()
            continue
        with clock(f"affectlab {sub}: load"):
            try:
                clf = EmotionClassifier.load(root / sub)
            except ModelNotFoundError as exc:
                run.notes.append(f"skipped {root / sub}: {exc}")
                step()
                continue
        masked = bool(clf.info_.get("training", {}).get("settings", {})
                      .get("mask_emotion_words", False))
        row = MASKED if masked else PLAIN
        if sub.startswith("goemotions_") and (sub == "goemotions_masked") != masked:
            run.notes.append(f"{root / sub}: the folder name and the manifest disagree on "
                             f"masking; the manifest wins ({row})")
        corpus = sub.split("_")[0]
        if args.reevaluate:
            with clock(f"affectlab {sub}: re-evaluate on test"):
                got: dict[str, Any] = {}
                if corpus == "goemotions":
                    got.update(ev.evaluate_goemotions(clf, corpora("goemotions")))
                    if not args.skip_ood:
                        got.update(ev.evaluate_out_of_domain(clf, corpora("isear"), "isear"))
                        got.update(ev.evaluate_out_of_domain(clf, corpora("meld"), "meld",
                                                             part="test"))
                else:
                    got.update(ev.evaluate_single(clf, corpora(corpus), corpus))
                if clf.has_vad:
                    got.update(ev.evaluate_vad(clf, corpora("emobank")))
            source = "re-evaluated on test by this script" + \
                (f" (first {args.limit} rows per split)" if args.limit else "")
        else:
            got = dict(clf.info_.get("metrics", {}))
            source = "test metrics stored in each model's manifest"
            if not got:
                run.notes.append(f"{root / sub} stores no metrics; use --reevaluate")
        overlap = sorted(set(got) & set(run.scores[row]))
        if overlap:
            run.notes.append(f"{root / sub} repeats {len(overlap)} measures already filled for "
                             f"{row} (e.g. {overlap[0]!r}); the later model's values are kept")
        run.scores[row].update(got)
        run.details[row][sub] = {"path": str(root / sub), "masked": masked,
                                 "training seconds": clf.info_.get("training", {}).get("seconds"),
                                 "data": clf.info_.get("data", {})}
        run.sources[row] = source
        del clf
        step()


# --- report -------------------------------------------------------------------------------------

def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "n/a" if np.isnan(value) else f"{value:.3f}"
    return str(value)


def tables(run: Run) -> list[dict[str, Any]]:
    """Every table as plain data: headers, model rows with numbers, anchor and goal as text."""
    out = []
    for spec in TABLES:
        rows = [{"model": r, "values": [run.scores[r].get(c.key) for c in spec.columns]}
                for r in MODEL_ROWS]
        rows.append({"model": ANCHOR, "values": [c.anchor for c in spec.columns]})
        rows.append({"model": GOAL, "values": [c.goal for c in spec.columns]})
        out.append({"key": spec.key, "title": spec.title, "note": spec.note,
                    "columns": [c.header for c in spec.columns],
                    "measures": [c.key for c in spec.columns], "rows": rows})
    return out


def shared_classes(run: Run) -> dict[str, str]:
    """The out-of-domain shared classes and text counts (the same for every GoEmotions model)."""
    found = {}
    for r in MODEL_ROWS:
        for corpus in ("isear", "meld"):
            for what in ("shared classes", "texts"):
                key = f"{corpus} {what}"
                if key in run.scores[r] and key not in found:
                    found[key] = str(run.scores[r][key])
    return found


def markdown(run: Run, meta: dict[str, Any]) -> str:
    """The tables, wall times and notes as Markdown for docs/RESULTS.md."""
    lines = [(f"Command: `{meta['command']}`, {meta['date']}, {meta['machine']['cpu']} "
              f"({meta['machine']['cpu_count']} cores). Scores on a 0-1 scale."), ""]
    if meta["limit"]:
        lines += [(f"**Check run: only the first {meta['limit']} rows of every split; "
                   "not for reporting.**"), ""]
    for table in tables(run):
        lines += [f"#### {table['title']}", "",
                  "| model | " + " | ".join(table["columns"]) + " |",
                  "|---|" + "---|" * len(table["columns"])]
        lines += ["| " + row["model"] + " | " + " | ".join(fmt(v) for v in row["values"]) + " |"
                  for row in table["rows"]]
        if table["note"]:
            lines += ["", f"_{table['note']}._"]
        lines.append("")
    shared = shared_classes(run)
    if shared:
        lines += ["Out of domain: " + "; ".join(f"{k}: {v}" for k, v in shared.items()) + ".", ""]
    lines += ["Where the rows come from: " + "; ".join(f"{r}: {run.sources.get(r, 'absent')}"
                                                     for r in MODEL_ROWS) + ".", ""]
    lines += ["#### Wall time per part", "", "| part | seconds |", "|---|---|"]
    lines += [f"| {p} | {s:.1f} |" for p, s in run.seconds.items()]
    lines += ["", f"Total: {meta['total seconds']:.1f} s.", ""]
    if run.notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in run.notes] + [""]
    return "\n".join(lines)


def print_tables(console: Any, run: Run, total: float) -> None:
    from rich.table import Table

    for table in tables(run):
        t = Table(title=table["title"], title_justify="left", caption=table["note"] or None)
        t.add_column("model")
        for c in table["columns"]:
            t.add_column(c, justify="right")
        for row in table["rows"]:
            style = "dim" if row["model"] in (ANCHOR, GOAL) else None
            t.add_row(row["model"], *(fmt(v) for v in row["values"]), style=style)
        console.print(t)
    for k, v in shared_classes(run).items():
        console.print(f"{k}: {v}")
    for r in MODEL_ROWS:
        console.print(f"{r}: {run.sources.get(r, 'absent')}")
    t = Table(title="Wall time per part", title_justify="left")
    t.add_column("part")
    t.add_column("seconds", justify="right")
    for part, s in run.seconds.items():
        t.add_row(part, f"{s:.1f}")
    t.add_row("total", f"{total:.1f}", style="bold")
    console.print(t)
    for note in run.notes:
        console.print(f"note: {note}")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import sklearn

    return _machine.machine(**{"scikit-learn": sklearn.__version__})


# --- command line -------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=None, help="folder with affectlab models in subfolders "
                   + ", ".join(MODEL_DIRS))
    p.add_argument("--reevaluate", action="store_true",
                   help="evaluate affectlab's models here instead of reading their manifests")
    p.add_argument("--limit", type=int, default=None,
                   help="keep the first N rows of every split (quick checks only)")
    p.add_argument("--skip-frozen", action="store_true",
                   help="leave out the frozen MiniLM + LR baseline")
    p.add_argument("--skip-ood", action="store_true", help="leave out ISEAR and MELD")
    p.add_argument("--corpora", default=",".join(CORPORA),
                   help=f"baseline corpora, comma-separated (default {','.join(CORPORA)})")
    p.add_argument("--data-dir", default=None,
                   help="folder of the corpora (default: AFFECTLAB_DATA or ../shared/data)")
    p.add_argument("--batch-size", type=int, default=64, help="embedding batch size (64)")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel one-vs-rest fits for multi-label heads (default 1)")
    p.add_argument("--baselines-from", default=None,
                   help="reuse the baseline rows of an earlier run's JSON instead of refitting")
    p.add_argument("--out", default="docs/results/text_accuracy.json", help="JSON results")
    p.add_argument("--markdown", default=None, help="also write the tables as Markdown here")
    args = p.parse_args(argv)
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = sorted(set(args.corpora) - set(CORPORA))
    if unknown:
        p.error(f"unknown corpora {unknown}; choose from {', '.join(CORPORA)}")
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    if args.batch_size < 1 or (args.threads is not None and args.threads < 1):
        p.error("--batch-size and --threads must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import torch
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # Logs captured to a file keep one line per part rather than wrapping at 80 columns.
    console = Console(emoji=False, highlight=False, width=None if sys.stdout.isatty() else 150)
    run = Run()
    corpora = Corpora(args.data_dir, args.limit)
    n_kinds = 1 if args.skip_frozen else 2
    steps = n_kinds * len(args.corpora) + len(MODEL_DIRS)
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=console) as progress:
        overall = progress.add_task("text accuracy", total=steps)
        clock = Clock(run, lambda msg: progress.console.log(msg))

        def step() -> None:
            progress.advance(overall)

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
            if args.baselines_from:
                reuse_baselines(Path(args.baselines_from), run)
                for _ in range(n_kinds * len(args.corpora)):
                    step()
            else:
                baseline_parts(args, corpora, run, clock, progress, step)
            affectlab_parts(args, corpora, run, clock, step)
    total = time.perf_counter() - started
    if args.limit and not args.reevaluate and any(s.startswith("test metrics stored")
                                                  for s in run.sources.values()):
        run.notes.append("--limit cuts the baselines' data only: affectlab's stored metrics are "
                         "on the full test splits (add --reevaluate to cut them too)")
    given = sys.argv[1:] if argv is None else list(argv)
    meta = {"command": " ".join(["python benchmarks/text_accuracy.py", *given]),
            "date": date.today().isoformat(), "machine": machine(), "limit": args.limit,
            "reevaluate": args.reevaluate, "skip_frozen": args.skip_frozen,
            "corpora": args.corpora, "total seconds": round(total, 1)}
    print_tables(console, run, total)
    result = {**meta, "tables": tables(run), "scores": run.scores, "details": run.details,
              "sources": run.sources, "wall seconds": run.seconds, "notes": run.notes}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_plain(result), indent=2, ensure_ascii=False, allow_nan=False)
                   + "\n", encoding="utf-8")
    console.print(f"wrote {out}")
    if args.markdown:
        md = Path(args.markdown)
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(markdown(run, meta), encoding="utf-8")
        console.print(f"wrote {md}")
    return 0


def _plain(value: Any) -> Any:
    """Plain JSON data: numpy values as Python ones, NaN (an undefined r or F1) as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


if __name__ == "__main__":
    sys.exit(main())
