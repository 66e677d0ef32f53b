"""Batch annotation, local engine against Ray (`affectlab analyze --input ... --engine ray`) on
this machine: rows/s for the same parquet file, Ray's start-up counted apart, and a check that
both outputs are equal row for row.

    python benchmarks/scale_ray.py [--rows 4000] [--chunk 512] [--out docs/results/serve]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _inputs import load_texts
from _machine import machine_today

from affectlab.core.tables import annotate_file
from affectlab.text.batch import build_text_annotator, text_annotator


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--chunk", type=int, default=512)
    ap.add_argument("--out", type=Path, default=Path("docs/results/serve"))
    a = ap.parse_args()
    texts, source = load_texts(a.rows)
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "corpus.parquet"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_parquet(src)
    rows = []

    t = time.perf_counter()
    annotate = build_text_annotator(None, None, 64)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    annotate_file(src, tmp / "local.parquet", annotate=annotate, chunk_size=a.chunk,
                  progress=False)
    local_s = time.perf_counter() - t
    rows.append({"engine": "local", "workers": 1, "model_load_s": load_s,
                 "annotate_s": local_s, "rows_per_s": a.rows / local_s})
    local = pd.read_parquet(tmp / "local.parquet")

    import ray

    from affectlab.core.engines import RayEngine

    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    start_s = time.perf_counter() - t
    for actors in (1, 2):
        out = tmp / f"ray{actors}.parquet"
        t = time.perf_counter()
        annotate_file(src, out, annotate=None, chunk_size=a.chunk, progress=False,
                      engine=RayEngine(text_annotator(None, None, 64), actors=actors))
        wall = time.perf_counter() - t
        same = local.equals(pd.read_parquet(out))
        rows.append({"engine": "ray", "workers": actors, "ray_start_s": start_s,
                     "annotate_s": wall, "rows_per_s": a.rows / wall,
                     "equal_to_local": bool(same)})
    ray.shutdown()
    for r in rows:
        r["speed_vs_local"] = r["rows_per_s"] / rows[0]["rows_per_s"]
    res = {"machine": machine_today(), "texts": source, "rows": a.rows, "chunk": a.chunk,
           "results": rows,
           "command": f"python benchmarks/scale_ray.py --rows {a.rows} --chunk {a.chunk}"}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "scale_ray.json").write_text(json.dumps(res, indent=1))
    print(f"Ray start-up: {start_s:.1f} s (not in the rows below)")
    print("| engine | workers | seconds (model loads included) | rows/s | vs local | equal |")
    for r in rows:
        print(f"| {r['engine']} | {r['workers']} | {r['annotate_s']:.1f} | {r['rows_per_s']:.1f} "
              f"| {r['speed_vs_local']:.2f}x | {r.get('equal_to_local', '-')} |")


if __name__ == "__main__":
    main()
