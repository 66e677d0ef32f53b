"""Thread count: the free cores by default, an explicit choice when given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from affectlab.core import threads


def test_free_cores_leave_the_busy_ones():
    assert threads.free_cores(load=0.0, cores=2) == 2
    assert threads.free_cores(load=1.0, cores=2) == 1
    assert threads.free_cores(load=5.0, cores=2) == 1  # never below one
    assert threads.free_cores(load=0.4, cores=8) == 8


def test_choice_order(monkeypatch):
    monkeypatch.setenv(threads.THREADS_ENV, "3")
    assert threads.choose_threads() == 3 and threads.choose_threads(1) == 1
    monkeypatch.setenv(threads.THREADS_ENV, "many")
    with pytest.raises(ValueError, match="positive integer"):
        threads.choose_threads()
    with pytest.raises(ValueError, match="at least 1"):
        threads.choose_threads(0)


def test_the_command_sets_torch_threads():
    code = ("import sys; sys.argv = ['affectlab', '--threads', '1', 'ontology', 'schemes', "
            "'--json']\nfrom affectlab.cli.app import app\ntry:\n    app()\nexcept SystemExit:\n"
            "    pass\nimport torch, os\nprint(torch.get_num_threads(), os.environ['OMP_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "1 1"
