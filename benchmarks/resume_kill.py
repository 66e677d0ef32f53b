"""Kill and resume at scale: `affectlab analyze --input` on a generated file of many rows,
killed with SIGKILL at random moments `--kills` times, then run to the end; the result is
compared row by row with one uninterrupted run in the same process. Prints the counts (rows,
kills, lost, duplicated, changed rows, leftover temporaries). The test suite runs a small
version (tests/test_fuzz.py).

    python benchmarks/resume_kill.py --rows 30000 --kills 5
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

WORDS = ["I love this", "so sad today", "this is infuriating", "what a surprise", "meh",
         "I'm scared of tomorrow", "thank you so much", "that was disgusting"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = {**os.environ, "AFFECTLAB_QUIET": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = folder / "in.csv"
        pd.DataFrame({"id": range(args.rows),
                      "text": [f"{WORDS[i % len(WORDS)]} ({i})" for i in range(args.rows)]}
                     ).to_csv(src, index=False)
        cmd = [sys.executable, "-m", "affectlab", "analyze", "--input", str(src),
               "--chunk-size", str(args.chunk_size), "--json"]
        start = time.perf_counter()
        subprocess.run([*cmd, "--output", str(folder / "ref.csv")], env=env, check=True,
                       capture_output=True)
        one_run = time.perf_counter() - start
        out = folder / "out.csv"
        kills = 0
        for _ in range(args.kills):
            proc = subprocess.Popen([*cmd, "--output", str(out)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.1, 1.0) * one_run / 2)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            if out.exists():
                break
        if not out.exists():
            subprocess.run([*cmd, "--output", str(out)], env=env, check=True,
                           capture_output=True)
        got, want = pd.read_csv(out), pd.read_csv(folder / "ref.csv")
        ids = got["id"].tolist()
        lost = args.rows - len(set(ids))
        doubled = len(ids) - len(set(ids))
        same = got.drop_duplicates("id").set_index("id").sort_index()
        changed = int((same != want.set_index("id").sort_index()).any(axis=1).sum())
        leftovers = [p.name for p in folder.iterdir()
                     if ".tmp-" in p.name or p.name.endswith((".lock", ".parts"))]
    print(f"rows {args.rows}, chunk {args.chunk_size}, one uninterrupted run {one_run:.1f} s, "
          f"kills {kills}: lost {lost}, duplicated {doubled}, changed {changed}, "
          f"leftover temporaries {len(leftovers)}")
    return 0 if not (lost or doubled or changed or leftovers) else 1


if __name__ == "__main__":
    sys.exit(main())
