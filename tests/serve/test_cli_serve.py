"""`affectlab serve` as users start it: a separate process with two workers, the settings
(token, batch limit) handed to both through the environment, stopped cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="httpx is a test dependency")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_with_workers_and_token():
    port = _free_port()
    exe = Path(sys.executable).with_name("affectlab")
    env = {**os.environ, "AFFECTLAB_TOKEN": "tok"}
    proc = subprocess.Popen([str(exe), "--threads", "1", "serve", "--port", str(port),
                             "--workers", "2", "--max-batch", "3"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                health = httpx.get(base + "/healthz", timeout=2).json()
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.time() < deadline, "the server did not start"
                time.sleep(0.3)
        assert health["token_required"] is True
        auth = {"Authorization": "Bearer tok"}
        assert httpx.post(base + "/v1/text", json={"text": "hi"}).status_code == 401
        for _ in range(6):  # requests land on both workers: each must have the settings
            r = httpx.post(base + "/v1/text", json={"texts": ["a", "b", "c", "d"]},
                           headers=auth, timeout=60)
            assert r.status_code == 413 and r.json()["error"]["code"] == "batch-too-large"
            r = httpx.post(base + "/v1/text", json={"text": "What a wonderful day"},
                           headers=auth, timeout=120)
            assert r.status_code == 200 and r.json()["records"][0]["status"] == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    out = proc.stdout.read().decode()
    assert f"http://127.0.0.1:{port}/" in out
