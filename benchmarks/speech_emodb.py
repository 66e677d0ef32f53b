"""Speech emotion recognition on EmoDB, leave-one-speaker-out, as the field reports it.

For each feature set (eGeMAPS, log-mel statistics, both, and optionally ComParE): UAR and WA of
the speaker-normalised head (each test speaker z-scored with its own statistics, the GeMAPS
paper's protocol) and of the speaker-independent head. eGeMAPS is also run with C chosen inside
each fold by a nested leave-one-speaker-out over the nine training speakers. A confusion matrix
PNG is saved for eGeMAPS and for the best set.

Run (from the repository root):

    .venv/bin/python benchmarks/speech_emodb.py [--compare] [--cache DIR]

Writes docs/results/speech/emodb_ser.json, emodb_ser.md and the confusion PNGs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import machine

from affectlab.datasets import load_emodb
from affectlab.speech.evaluation import loso_evaluate, plot_confusion
from affectlab.speech.training import corpus_features

GRID = [0.01, 0.03, 0.1, 0.3, 1.0]
OUT = Path("docs/results/speech")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", action="store_true", help="also run ComParE 2016 (slow)")
    ap.add_argument("--cache", default="/tmp/affectlab-speech-cache")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    df = load_emodb()
    labels, speakers = list(df["labels"]), list(df["subject"])
    runs = [("egemaps", False, GRID), ("egemaps", False, 0.1), ("egemaps", True, 0.1),
            ("logmel", True, 0.1), ("egemaps+logmel", False, 0.1),
            ("egemaps+logmel", True, 0.1)]
    if args.compare:
        runs.append(("compare", False, 0.01))
    rows, results = [], {}
    for feats, vad, C in runs:
        X = corpus_features(df, feats, vad=vad, cache=args.cache, progress=True)
        for head in ("speaker", "global"):
            if isinstance(C, list) and head == "global":
                continue
            t = time.perf_counter()
            res = loso_evaluate(X, labels, speakers, features=feats, C=C, head=head)
            secs = time.perf_counter() - t
            key = f"{feats}|vad={vad}|C={'nested' if isinstance(C, list) else C}|{head}"
            results[key] = {**res.summary(), "features": feats, "vad": vad,
                            "C": C, "seconds": round(secs, 1)}
            rows.append((feats, "yes" if vad else "no",
                         "nested " + "/".join(map(str, C)) if isinstance(C, list) else str(C),
                         head, res.uar, res.wa, secs))
            print(f"{feats:16s} vad={vad!s:5s} C={rows[-1][2]:22s} {head:8s} "
                  f"UAR {res.uar:.3f}  WA {res.wa:.3f}  ({secs:.0f} s)", flush=True)
            if head == "speaker" and C == 0.1 and vad and feats in ("egemaps", "egemaps+logmel"):
                plot_confusion(res, args.out / f"emodb_confusion_{feats.replace('+', '_')}.png",
                               title=f"EmoDB LOSO, {feats}, speaker-normalised: "
                               f"UAR {res.uar:.3f}")
    info = {"machine": machine(), "date": date.today().isoformat(),
            "command": "python benchmarks/speech_emodb.py" + (" --compare" if args.compare
                                                               else ""),
            "n": len(df), "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    _atomic(args.out / "emodb_ser.json", json.dumps(info, indent=2) + "\n")
    lines = ["| features | VAD trim | C | head | UAR | WA |", "|---|---|---|---|---|---|"]
    lines += [f"| {f} | {v} | {c} | {h} | {u:.3f} | {w:.3f} |" for f, v, c, h, u, w, _ in rows]
    md = (f"Command: `{info['command']}`; {info['machine']['cpu']}, "
          f"{info['machine']['cpu_count']} cores; {info['date']}.\n\n" + "\n".join(lines) + "\n")
    _atomic(args.out / "emodb_ser.md", md)
    print(md)


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
