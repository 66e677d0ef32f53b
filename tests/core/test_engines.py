"""Batch annotation on Ray: the same file as the local engine, row for row; a killed run
resumes without lost or repeated rows; bad rows keep their place and status."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from affectlab.core.tables import ChunkEngine, annotate_file, parts_dir
from affectlab.text.batch import build_text_annotator, text_annotator

pytest.importorskip("ray", reason="the [scale] extra (ray[data]) is not installed")


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             ignore_reinit_error=True)
    yield ray
    ray.shutdown()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    texts = ["I love it", "", "This is awful", None, "So scared right now", "😀😀",
             "Das ist gut", "so very tired of this " * 150] * 9
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(path, index=False)
    return path


def _local(table: Path, out: Path) -> pd.DataFrame:
    annotate_file(table, out, annotate=build_text_annotator(None, "ekman7", 16), column="text",
                  chunk_size=16, progress=False)
    return pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out)


def test_ray_equals_local_row_for_row(ray_local, table, tmp_path):
    from affectlab.core.engines import RayEngine

    local = _local(table, tmp_path / "local.parquet")
    report = annotate_file(table, tmp_path / "ray.parquet", annotate=None, column="text",
                           chunk_size=16, progress=False,
                           engine=RayEngine(text_annotator(None, "ekman7", 16), actors=2))
    remote = pd.read_parquet(tmp_path / "ray.parquet")
    assert report.rows == len(local) == 72 and report.annotated == 72
    pd.testing.assert_frame_equal(local, remote)
    assert set(remote["status"]) >= {"ok", "empty", "no-words", "truncated"}


class _Dies(ChunkEngine):
    """Answers two chunks, then the job is killed."""

    def __init__(self, inner: ChunkEngine) -> None:
        self.inner = inner

    def map(self, chunks):
        for n, item in enumerate(self.inner.map(chunks)):
            if n == 2:
                raise KeyboardInterrupt
            yield item


def test_killed_ray_run_resumes_without_loss_or_repeats(ray_local, table, tmp_path):
    from affectlab.core.engines import RayEngine

    engine = RayEngine(text_annotator(None, "ekman7", 16), actors=1)
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        annotate_file(table, out, annotate=None, column="text", chunk_size=16, progress=False,
                      engine=_Dies(engine))
    assert not out.exists() and len(list(parts_dir(out).glob("*.parquet"))) == 2
    report = annotate_file(table, out, annotate=None, column="text", chunk_size=16,
                           progress=False, engine=engine)
    assert (report.resumed, report.annotated, report.rows) == (32, 40, 72)
    got = pd.read_csv(out)
    assert got["id"].tolist() == list(range(72))
    pd.testing.assert_frame_equal(got, _local(table, tmp_path / "local.csv"))


def test_engine_must_keep_order(table, tmp_path):
    class Shuffled(ChunkEngine):
        def map(self, chunks):
            annotate = build_text_annotator(None, None, 16)
            for index, values in reversed(chunks):
                yield index, annotate(values)

    with pytest.raises(RuntimeError, match="keep the order"):
        annotate_file(table, tmp_path / "o.parquet", annotate=None, column="text",
                      chunk_size=16, progress=False, engine=Shuffled())


def test_cli_engine_ray(ray_local, table, tmp_path):
    from typer.testing import CliRunner

    from affectlab.cli.app import app

    out = tmp_path / "cli.parquet"
    r = CliRunner().invoke(app, ["analyze", "--input", str(table), "--output", str(out),
                                 "--scheme", "ekman7", "--chunk-size", "16", "--engine", "ray",
                                 "--actors", "1", "--json"])
    assert r.exit_code == 1, r.output  # the empty and emoji-only rows were not analysed
    assert '"rows": 72' in r.output and "DataContext" not in r.output
    pd.testing.assert_frame_equal(pd.read_parquet(out), _local(table, tmp_path / "l.parquet"))
    bad = CliRunner().invoke(app, ["analyze", "hello", "--engine", "ray"])
    assert bad.exit_code == 2 and "--input" in bad.output
    bad = CliRunner().invoke(app, ["analyze", "hello", "--engine", "spark"])
    assert bad.exit_code == 2 and "unknown engine" in bad.output
