"""Atomic writes, array bundles, stale temporaries, progress switch, plots, journal."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from affectlab.core import files, journal, plots, progress
from affectlab.core.errors import ModelNotFoundError


def test_a_failed_write_leaves_neither_a_file_nor_a_temporary(tmp_path):
    out = tmp_path / "sub" / "a.json"
    files.write_json({"x": np.float32(0.5), "p": tmp_path}, out)
    assert json.loads(out.read_text()) == {"x": 0.5, "p": str(tmp_path)}
    with pytest.raises(RuntimeError), files.atomic_path(tmp_path / "b.txt") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]


def test_bundles_round_trip_and_name_what_is_missing(tmp_path):
    files.save_bundle(tmp_path, "dirs", {"v": np.arange(6.0).reshape(2, 3)}, {"layer": 3})
    info, arrays = files.load_bundle(tmp_path, "dirs", "directions")
    assert info == {"layer": 3} and arrays["v"].dtype == np.float32
    np.testing.assert_array_equal(arrays["v"], np.arange(6.0).reshape(2, 3))
    with pytest.raises(ModelNotFoundError, match="no saved circuit.*circ.json"):
        files.load_bundle(tmp_path, "circ", "circuit")


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    out = tmp_path / "out.csv"
    dead = tmp_path / ".out.csv.tmp-999999999"
    mine = tmp_path / f".out.csv.tmp-{os.getpid()}"
    dead.write_text("")
    mine.write_text("")
    assert files.clean_stale_temporaries(out) == [dead]
    assert mine.exists()


def test_one_quiet_switch(monkeypatch):
    monkeypatch.delenv(progress.QUIET_ENV, raising=False)
    assert not progress.is_quiet()
    monkeypatch.setenv(progress.QUIET_ENV, "1")
    assert progress.is_quiet()
    progress.set_quiet(False)  # the code's switch wins over the environment
    assert not progress.is_quiet()
    monkeypatch.delenv(progress.QUIET_ENV)
    progress.set_quiet(True)
    try:
        assert progress.is_quiet()
        seen = []
        with progress.progress_bar(True, 3, "work") as advance:
            advance(1)
            seen.append("ran")
        assert seen == ["ran"] and list(progress.track([1, 2], "x")) == [1, 2]
    finally:
        progress.set_quiet(None)
    assert not progress.is_quiet()


def test_confusion_plot_is_a_png(tmp_path):
    out = plots.plot_confusion([[3, 1], [0, 4]], ["joy", "anger"], tmp_path / "c.png",
                               title="demo")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="does not match 3 labels"):
        plots.plot_confusion([[1, 0], [0, 1]], ["a", "b", "c"], tmp_path / "d.png")


def test_journal_resumes_only_under_the_same_settings(tmp_path):
    out = tmp_path / "o.jsonl"
    with journal.Journal(out, {"model": "a"}) as j:
        j.add("k1", {"v": 1})
    with open(j.path, "a") as fh:
        fh.write('{"key": "k2", "ite')  # a line cut by a kill
    with journal.Journal(out, {"model": "a"}) as j:
        assert j.done == {"k1": {"v": 1}}
        j.add("k2", {"v": 2})
    with journal.Journal(out, {"model": "a"}) as j:
        assert j.done == {"k1": {"v": 1}, "k2": {"v": 2}}
    with pytest.warns(UserWarning, match="other settings"), \
            journal.Journal(out, {"model": "b"}) as j:
        assert j.done == {}
    j.discard()
    assert not j.path.exists()


def test_written_files_get_the_usual_permissions(tmp_path):
    files.save_arrays({"a": np.zeros(2)}, tmp_path / "a.safetensors")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.safetensors").stat().st_mode & 0o777 == 0o666 & ~mask


def test_progress_in_a_log_is_plain_lines(monkeypatch, capsys):
    """Off a terminal the bar writes a line every AFFECTLAB_PROGRESS_EVERY seconds and a last
    one; work shorter than the interval writes nothing."""
    monkeypatch.delenv(progress.QUIET_ENV, raising=False)
    progress.set_quiet(None)
    monkeypatch.setenv(progress.EVERY_ENV, "3600")
    with progress.progress_bar(True, 4, "short") as advance:
        advance(4)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv(progress.EVERY_ENV, "0")
    with progress.progress_bar(True, 4, "training", unit="rows") as advance:
        advance(1, count=32)
        advance(completed=3, description="epoch 2", count=96)
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("training: 1/4 (25%), 32 rows, 0:00:00 elapsed, ~")
    assert lines[1].startswith("epoch 2: 3/4 (75%), 96 rows")
    assert lines[-1].startswith("epoch 2: 3/4 (75%)") and len(lines) == 3
    with pytest.raises(RuntimeError), progress.progress_bar(True, None, "broken") as advance:
        advance(2)
        raise RuntimeError("stops")
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("broken: 2, ")
