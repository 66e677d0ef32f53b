"""Where batch annotation runs. `annotate_file` runs chunks in this process by default; a
`RayEngine` runs them as Ray Data `map_batches` over a pool of actors, each of which builds its
annotator (loads its model) once, on a local Ray instance or on any cluster by address.

The engine only moves values and predictions: reading the input, resuming, the per-chunk
temporary files and the merged output stay with `annotate_file`, so a Ray run writes the same
file as a local one, row for row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from affectlab.core.tables import ChunkEngine

_CHUNK, _ROW, _VALUE = "__chunk", "__row", "__value"


class _Annotator:
    """One Ray actor: builds the annotator once, then answers batches of (chunk, row, value)."""

    def __init__(self, factory: Callable[[], Callable[[list[Any]], pd.DataFrame]]) -> None:
        self.annotate = factory()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        preds = self.annotate(list(batch[_VALUE]))
        preds = preds.reset_index(drop=True)
        preds.insert(0, _CHUNK, batch[_CHUNK].to_numpy())
        preds.insert(1, _ROW, batch[_ROW].to_numpy())
        return preds


class RayEngine(ChunkEngine):
    """Annotate on Ray: `factory()` (picklable, called once per actor) returns the same
    `annotate(values) -> DataFrame` a local run uses. `address` is a cluster's ("auto", or
    "ray://host:10001"); None starts a local instance with `num_cpus`. `actors` is the pool size
    (default: the cluster's CPUs). `batch_rows` None (the default) hands each actor one whole
    chunk per call, so the forward passes batch the texts exactly as a local run does and the
    predictions agree to the last bit; a number regroups rows across chunks."""

    def __init__(self, factory: Callable[[], Callable[[list[Any]], pd.DataFrame]], *,
                 address: str | None = None, actors: int | None = None,
                 batch_rows: int | None = None, num_cpus: int | None = None) -> None:
        self.factory, self.address, self.actors = factory, address, actors
        self.batch_rows, self.num_cpus = batch_rows, num_cpus

    def start(self) -> Any:
        """Connect to (or start) Ray once per process."""
        try:
            import ray
        except ImportError as exc:
            from affectlab.core.errors import MissingBackendError

            raise MissingBackendError("the Ray engine needs the [scale] extra: "
                                      "pip install 'affectlab[scale]'") from exc
        if not ray.is_initialized():
            ray.init(address=self.address, num_cpus=None if self.address else self.num_cpus,
                     include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                     logging_level="ERROR")
        return ray

    def map(self, chunks: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, pd.DataFrame]]:
        ray = self.start()
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # chunks come back in the order sent
        ctx.enable_progress_bars = False  # affectlab's own bar counts the chunks written
        ctx.print_on_execution_start = False
        sizes = {i: len(v) for i, v in chunks}
        frames = [pd.DataFrame({_CHUNK: i, _ROW: range(len(v)), _VALUE: pd.Series(v, dtype=object)})
                  for i, v in chunks]
        actors = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_pandas(frames).map_batches(
            _Annotator, fn_constructor_kwargs={"factory": self.factory},
            compute=ray.data.ActorPoolStrategy(size=actors),
            batch_size=self.batch_rows, batch_format="pandas", num_cpus=1)
        done: dict[int, list[pd.DataFrame]] = {}
        counts: dict[int, int] = {}
        order = [i for i, _ in chunks]
        nxt = 0
        for batch in ds.iter_batches(batch_format="pandas", batch_size=None):
            for i, part in batch.groupby(_CHUNK, sort=False):
                done.setdefault(int(i), []).append(part)
                counts[int(i)] = counts.get(int(i), 0) + len(part)
            while nxt < len(order) and counts.get(order[nxt], 0) == sizes[order[nxt]]:
                i = order[nxt]
                frame = pd.concat(done.pop(i)).sort_values(_ROW, kind="stable")
                yield i, frame.drop(columns=[_CHUNK, _ROW]).reset_index(drop=True)
                nxt += 1
        if nxt != len(order):
            raise RuntimeError(f"Ray returned {nxt} of {len(order)} chunks")


__all__ = ["RayEngine"]
