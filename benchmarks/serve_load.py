"""Load on `affectlab serve`: 1, 8 and 32 concurrent clients on localhost send a fixed number of
/v1/text requests (batches of texts); throughput and p50/p99 latency beside `analyze` called in
this process on the same batches, one after another; the cost of HTTP in percent. Every text
carries its number, and every answer is checked: none dropped, none answered twice.

    python benchmarks/serve_load.py [--requests 96] [--batch 8] [--out docs/results/serve]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _inputs import load_texts
from _machine import machine_today


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int, threads: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("affectlab")
    # the same torch threads as the in-process baseline (the CLI would otherwise count the
    # cores this benchmark's own process keeps busy, and take fewer)
    proc = subprocess.Popen([str(exe), "--threads", str(threads), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start: " + proc.stderr.read().decode()[-2000:])


def _drive(url: str, batches: list[list[str]], clients: int) -> dict:
    import httpx

    todo = list(enumerate(batches))
    lock = threading.Lock()
    latencies, seen, errors = [], [], []

    def client() -> None:
        with httpx.Client(timeout=300) as c:
            while True:
                with lock:
                    if not todo:
                        return
                    _, batch = todo.pop(0)
                t = time.perf_counter()
                r = c.post(url, json={"texts": batch})
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors.append(r.status_code)
                        continue
                    seen.extend(int(rec["source"].split(":", 1)[0]) for rec in r.json()["records"])

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    n = sum(len(b) for b in batches)
    lat = np.array(latencies) * 1000
    return {"clients": clients, "requests": len(batches), "texts": n, "seconds": wall,
            "texts_per_s": n / wall, "requests_per_s": len(batches) / wall,
            "p50_ms": float(np.percentile(lat, 50)), "p99_ms": float(np.percentile(lat, 99)),
            "errors": len(errors), "answered": len(seen),
            "dropped": n - len(set(seen)), "duplicated": len(seen) - len(set(seen))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--out", type=Path, default=Path("docs/results/serve"))
    a = ap.parse_args()
    texts, source = load_texts(a.requests * a.batch)
    texts = [f"{i}: {t}" for i, t in enumerate(texts)]
    batches = [texts[i:i + a.batch] for i in range(0, len(texts), a.batch)]

    from affectlab.text.analyze import analyze, get_model

    model = get_model()
    analyze(batches[0], model=model)  # warm
    t = time.perf_counter()
    lat = []
    for b in batches:
        s = time.perf_counter()
        analyze(b, model=model)
        lat.append(time.perf_counter() - s)
    inproc = time.perf_counter() - t
    base = {"texts_per_s": len(texts) / inproc, "p50_ms": float(np.percentile(lat, 50) * 1000),
            "p99_ms": float(np.percentile(lat, 99) * 1000), "seconds": inproc}
    port = _free_port()
    import torch

    proc = _start(port, torch.get_num_threads())
    url = f"http://127.0.0.1:{port}/v1/text"
    try:
        _drive(url, batches[:4], 1)  # the server loads its model
        rows = [_drive(url, batches, c) for c in (1, 8, 32)]
    finally:
        proc.terminate()
        proc.wait(10)
    for r in rows:
        r["http_overhead_pct"] = 100 * (1 - r["texts_per_s"] / base["texts_per_s"])
    res = {"machine": machine_today(), "texts": source, "batch": a.batch,
           "in_process": base, "http": rows,
           "command": f"python benchmarks/serve_load.py --requests {a.requests} "
                      f"--batch {a.batch}"}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "serve_load.json").write_text(json.dumps(res, indent=1))
    print(f"in process: {base['texts_per_s']:.1f} texts/s, p50 {base['p50_ms']:.0f} ms, "
          f"p99 {base['p99_ms']:.0f} ms per batch of {a.batch}")
    print("| clients | texts/s | p50 ms | p99 ms | HTTP overhead | errors | dropped | "
          "duplicated |")
    for r in rows:
        print(f"| {r['clients']} | {r['texts_per_s']:.1f} | {r['p50_ms']:.0f} | "
              f"{r['p99_ms']:.0f} | {r['http_overhead_pct']:+.1f}% | {r['errors']} | "
              f"{r['dropped']} | {r['duplicated']} |")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
