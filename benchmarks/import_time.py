"""Start-up cost: `import affectlab`, `import affectlab.lm`, `import affectlab.core` and the
command's `--help`, each in a fresh interpreter, median of several runs; with `--baseline-src`
the same commands run in the same process against another checkout's `src/` (e.g. an older
commit) and the ratio is printed.

    python benchmarks/import_time.py --runs 7 --baseline-src /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
CASES = {
    "import affectlab": "import affectlab",
    "import affectlab.core": "import affectlab.core",
    "import affectlab.lm": "import affectlab.lm",
    "affectlab --help": ("import sys; sys.argv = ['affectlab', '--help']\n"
                         "from affectlab.cli.app import app\n"
                         "try:\n    app()\nexcept SystemExit:\n    pass"),
}


def _time(code: str, src: Path, runs: int) -> float | None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)
        if done.returncode != 0:
            return None  # not importable in that checkout
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="src/ of another checkout to compare with, in this process")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from _machine import machine

    bare = _time("pass", SRC, args.runs)
    rows = []
    for name, code in CASES.items():
        row = {"case": name, "seconds": _time(code, SRC, args.runs)}
        if args.baseline_src is not None:
            row["baseline_seconds"] = _time(code, args.baseline_src, args.runs)
            if row["seconds"] and row["baseline_seconds"]:
                row["speed-up"] = round(row["baseline_seconds"] / row["seconds"], 2)
        rows.append(row)
    print(f"machine: {machine()}; interpreter start alone {bare:.3f} s; median of {args.runs}")
    print("| case | this checkout (s) | baseline (s) | baseline / this |")
    print("|---|---|---|---|")
    for r in rows:
        base = r.get("baseline_seconds")
        print(f"| {r['case']} | {r['seconds']:.3f} | "
              f"{'-' if base is None else f'{base:.3f}'} | {r.get('speed-up', '-')} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "python_alone": bare,
                                         "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
