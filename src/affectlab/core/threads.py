"""How many threads the numeric libraries use. Torch and BLAS start one thread per core; when
another process is busy on the same cores, those threads wait for each other and a job can run
ten times slower (measured: `compose --bars 16` took 92-99 s beside one busy process instead of
7.4 s, and 8 s with one thread). affectlab therefore uses the cores that are free: the core
count minus the one-minute load average of other work, at least one. `--threads N` or
AFFECTLAB_THREADS=N choose a number instead."""

from __future__ import annotations

import os
import sys

THREADS_ENV = "AFFECTLAB_THREADS"
_OMP_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cpu_count() -> int:
    """Cores this process may run on (its affinity, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def free_cores(load: float | None = None, cores: int | None = None) -> int:
    """Cores not taken by other work: cores minus the one-minute load average, at least 1."""
    cores = cpu_count() if cores is None else cores
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
    return max(1, min(cores, int(cores - load + 0.5)))


def choose_threads(requested: int | None = None) -> int:
    """The thread count to use: `requested`, else AFFECTLAB_THREADS, else the free cores."""
    if requested is not None:
        if requested < 1:
            raise ValueError(f"threads must be at least 1, got {requested}")
        return requested
    env = os.environ.get(THREADS_ENV, "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {env!r}")
        return int(env)
    return free_cores()


def configure_threads(requested: int | None = None) -> int:
    """Apply the thread count: to torch if it is loaded, and to the OpenMP/BLAS variables for
    libraries not loaded yet (an explicit OMP_NUM_THREADS of the user's is kept). Returns it."""
    n = choose_threads(requested)
    for var in _OMP_VARS:
        if requested is not None or var not in os.environ:
            os.environ[var] = str(n)
    torch = sys.modules.get("torch")  # not loaded yet: it reads OMP_NUM_THREADS when it is
    if torch is not None:
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    return n


__all__ = ["THREADS_ENV", "choose_threads", "configure_threads", "cpu_count", "free_cores"]
