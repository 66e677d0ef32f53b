"""Threads beside other work: `affectlab compose --bars 16` and `affectlab analyze` on 2,000
rows, each with torch's own choice (one thread per core), with one thread, and with affectlab's
default (the free cores), while another process keeps one core busy; all in this run.

    python benchmarks/threads.py --busy 1 --repeats 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFFECTLAB = [sys.executable, "-m", "affectlab"]


def _spin() -> None:
    while True:
        pass


def _run(args: list[str], threads: str | None, env_extra: dict[str, str]) -> float:
    env = {**os.environ, "AFFECTLAB_QUIET": "1", **env_extra}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "AFFECTLAB_THREADS"):
        env.pop(var, None)
    cmd = [*AFFECTLAB, *(["--threads", threads] if threads and threads != "auto" else []), *args]
    if threads is None:  # torch's own choice: as before affectlab chose
        cmd = [*AFFECTLAB, "--threads", str(os.cpu_count()), *args]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=1, help="processes keeping a core busy")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from _machine import machine

    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.csv"
        texts = (HERE.parent / "examples" / "posts.csv").read_text(encoding="utf-8").splitlines()
        body = texts[1:] * (2000 // max(1, len(texts) - 1) + 1)
        rows.write_text("\n".join([texts[0], *body[:2000]]) + "\n", encoding="utf-8")
        jobs = {
            "compose --bars 16": ["compose", "--emotion", "joy", "--bars", "16", "--seed", "0",
                                  "--out", str(Path(tmp) / "j.mid"), "--overwrite"],
            "analyze 2,000 rows": ["analyze", "--input", str(rows), "--column", "text",
                                   "--output", str(Path(tmp) / "o.csv"), "--overwrite"],
        }
        spinners = [mp.Process(target=_spin, daemon=True) for _ in range(args.busy)]
        for p in spinners:
            p.start()
        time.sleep(3)
        load = os.getloadavg()[0]
        rows_out = []
        try:
            for name, job in jobs.items():
                row = {"job": name}
                for label, threads in (("one thread per core", None), ("1 thread", "1"),
                                       ("affectlab default", "auto")):
                    row[label] = statistics.median(_run(job, threads, {})
                                                   for _ in range(args.repeats))
                rows_out.append(row)
        finally:
            for p in spinners:
                p.terminate()
    print(f"machine: {machine()}; {args.busy} busy process(es); load average {load:.2f}; "
          f"median of {args.repeats}")
    print("| job | one thread per core (s) | 1 thread (s) | affectlab default (s) | "
          "per-core / default |")
    print("|---|---|---|---|---|")
    for r in rows_out:
        ratio = r["one thread per core"] / r["affectlab default"]
        print(f"| {r['job']} | {r['one thread per core']:.1f} | {r['1 thread']:.1f} | "
              f"{r['affectlab default']:.1f} | {ratio:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
