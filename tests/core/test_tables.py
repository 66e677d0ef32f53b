"""core.tables.annotate_file: formats, chunking, bad input, resume after a kill. A fake annotator, no model."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from affectlab.core.tables import (
    BatchReport,
    ResumeMismatchError,
    _rechunk,
    annotate_file,
    parts_dir,
)
from affectlab.errors import UnknownNameError

pytestmark = pytest.mark.filterwarnings("error")

TEXTS = ["I love this", "so sad", "", "angry!!", "meh", "what a day", "café au lait",
         "ok then", "never again", "fine"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class Fake:
    """An annotator that counts its calls and the chunk sizes it saw."""

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.calls: list[list[Any]] = []
        self.fail_on_call = fail_on_call

    def __call__(self, values: list[Any]) -> pd.DataFrame:
        self.calls.append(list(values))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise KeyboardInterrupt("killed")  # what a Ctrl-C (or worse) looks like mid-run
        texts = [v if isinstance(v, str) else None for v in values]
        return pd.DataFrame({
            "status": ["ok" if t else "empty" for t in texts],
            "n_chars": [len(t) if t else 0 for t in texts],
            "upper": [t.upper() if t else None for t in texts],
            "labels": [sorted(set(t.split())) if t else [] for t in texts],
        })

    @property
    def sizes(self) -> list[int]:
        return [len(c) for c in self.calls]


def write_input(path: Path, frame: pd.DataFrame, row_group_size: int | None = None) -> Path:
    """`frame` saved in the format of `path`'s extension."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix in (".jsonl", ".ndjson"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in frame.to_dict("records"))
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                       row_group_size=row_group_size)
    return path


def read_output(path: Path) -> pd.DataFrame:
    """An output file back as a DataFrame; CSV cells as text, JSON lines as objects."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".jsonl", ".ndjson"):
        lines = path.read_text(encoding="utf-8").splitlines()
        return pd.DataFrame([json.loads(line) for line in lines])
    return pq.read_table(path).to_pandas()


def posts(n: int = len(TEXTS)) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"r{i}" for i in range(n)],
                         "text": [TEXTS[i % len(TEXTS)] for i in range(n)]})


def as_list(value: Any) -> list[Any]:
    """A list cell as read back: a list, a numpy array (Parquet) or JSON text (CSV)."""
    if isinstance(value, str):
        return json.loads(value)
    return list(value)


@pytest.mark.parametrize("src_ext", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("dst_ext", [".csv", ".jsonl", ".parquet"])
def test_round_trip_every_format(tmp_path: Path, src_ext: str, dst_ext: str) -> None:
    src = write_input(tmp_path / f"in{src_ext}", posts())
    dst = tmp_path / f"out{dst_ext}"
    fake = Fake()
    report = annotate_file(src, dst, annotate=fake, chunk_size=3, progress=False)

    out = read_output(dst)
    assert list(out.columns) == ["id", "text", "status", "n_chars", "upper", "labels"]
    assert out["id"].tolist() == [f"r{i}" for i in range(len(TEXTS))]
    got_texts = [None if _missing(t) else t for t in out["text"]]
    want_texts = [t or None for t in TEXTS]
    if ".csv" not in (src_ext, dst_ext):  # "" survives, except as a CSV cell: that is empty
        want_texts = TEXTS
    assert got_texts == want_texts
    assert [None if _missing(u) else u for u in out["upper"]] == [t.upper() or None
                                                                  for t in TEXTS]
    assert [int(n) for n in out["n_chars"]] == [len(t) for t in TEXTS]
    assert [as_list(v) for v in out["labels"]] == [sorted(set(t.split())) for t in TEXTS]
    assert fake.sizes == [3, 3, 3, 1]
    assert report.rows == report.annotated == len(TEXTS)
    assert report.resumed == report.replaced_rows == report.bad_lines == 0
    assert report.status_counts == {"ok": 9, "empty": 1}
    assert not parts_dir(dst).exists()


def test_chunks_are_exact_across_parquet_row_groups(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.parquet", posts(23), row_group_size=4)
    assert pq.ParquetFile(src).num_row_groups == 6
    fake = Fake()
    annotate_file(src, tmp_path / "out.parquet", annotate=fake, chunk_size=5, progress=False)
    assert fake.sizes == [5, 5, 5, 5, 3]
    assert [v for chunk in fake.calls for v in chunk] == posts(23)["text"].tolist()
    assert read_output(tmp_path / "out.parquet")["id"].tolist() == [f"r{i}" for i in range(23)]


def test_rechunk_regroups_uneven_pieces_into_exact_chunks() -> None:
    pieces = [[0, 1], [], [2, 3, 4, 5, 6, 7, 8], [9], [10, 11, 12]]
    chunks = list(_rechunk(pieces, 3, len, lambda ps: [x for p in ps for x in p],
                           lambda p, a, b: p[a:b]))
    assert chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12]]
    assert list(_rechunk([[0, 1, 2], [3, 4, 5]], 3, len, sum, lambda p, a, b: p[a:b])) == [
        [0, 1, 2], [3, 4, 5]]


def test_ndjson_extension_and_unknown_extension(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.ndjson", posts(4))
    annotate_file(src, tmp_path / "out.NDJSON", annotate=Fake(), progress=False)
    assert len(read_output(tmp_path / "out.NDJSON")) == 4
    with pytest.raises(ValueError, match=r"\.csv.*\.jsonl.*\.ndjson.*\.parquet"):
        annotate_file(src, tmp_path / "out.xlsx", annotate=Fake(), progress=False)
    with pytest.raises(ValueError, match="unsupported"):
        annotate_file(tmp_path / "in.txt", tmp_path / "out.csv", annotate=Fake(), progress=False)


@pytest.mark.parametrize("ext", [".parquet", ".jsonl"])
def test_list_columns_stay_lists(tmp_path: Path, ext: str) -> None:
    src = write_input(tmp_path / "in.csv", posts(6))
    dst = tmp_path / f"out{ext}"
    annotate_file(src, dst, annotate=Fake(), chunk_size=4, progress=False)
    labels = read_output(dst)["labels"].tolist()
    assert all(not isinstance(v, str) for v in labels)
    assert [list(v) for v in labels] == [sorted(set(t.split())) for t in TEXTS[:6]]
    if ext == ".parquet":
        assert pa.types.is_list(pq.read_schema(dst).field("labels").type)


def test_csv_writes_lists_as_json_text(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", posts(3))
    annotate_file(src, tmp_path / "out.csv", annotate=Fake(), progress=False)
    cells = pd.read_csv(tmp_path / "out.csv", dtype=str)["labels"].tolist()
    assert [json.loads(c) for c in cells] == [["I", "love", "this"], ["sad", "so"], []]


def test_csv_cells_pass_through_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("zip,text,score\n007,NA,1\n010,null,\n020,,3\n", encoding="utf-8")
    fake = Fake()
    annotate_file(src, tmp_path / "out.csv", annotate=fake, chunk_size=2, progress=False)
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [["007", "NA", "1"],
                                                           ["010", "null", ""],
                                                           ["020", "", "3"]]
    values = [v for chunk in fake.calls for v in chunk]
    assert values[:2] == ["NA", "null"] and isinstance(values[2], float)
    assert math.isnan(values[2])


def test_invalid_utf8_in_csv_is_replaced_and_counted(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,caf\xe9\n2,fine\n3,\xff\xfebad\n4,ok\n")
    fake = Fake()
    with pytest.warns(UnicodeWarning, match="2 text") as caught:
        report = annotate_file(src, tmp_path / "out.parquet", annotate=fake, chunk_size=3,
                               progress=False)
    assert len([w for w in caught if issubclass(w.category, UnicodeWarning)]) == 1
    assert report.replaced_rows == 2 and report.rows == 4
    texts = read_output(tmp_path / "out.parquet")["text"].tolist()
    assert texts[0] == "caf\ufffd" and texts[1] == "fine" and texts[2].endswith("bad")
    assert "\ufffd" in texts[2]


def test_invalid_utf8_and_bad_json_lines_in_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "text": "caf\xe9"}\n'
                    b"\n"                                   # blank: not a row
                    b'{"id": 2, "text": "fine"}\n'
                    b"{this is not json\n"                  # a row with no text
                    b'["a", "list"]\n'                       # JSON, but not an object
                    b'{"id": 5, "text": "lone \\ud800 surrogate"}\n'
                    b'{"id": 6, "text": 42}\n')
    fake = Fake()
    with pytest.warns(Warning) as caught:
        report = annotate_file(src, tmp_path / "out.jsonl", annotate=fake, chunk_size=2,
                               progress=False)
    kinds = [w.category for w in caught]
    assert kinds.count(UnicodeWarning) == 1 and "2 row(s)" in str(caught[-1].message)
    values = [v for chunk in fake.calls for v in chunk]
    assert values[0] == "caf\ufffd" and values[1] == "fine"
    assert values[2] is None and values[3] is None
    assert "\ufffd" in values[4] and values[5] == 42
    assert report.rows == 6 and report.bad_lines == 2 and report.replaced_rows == 2
    out = read_output(tmp_path / "out.jsonl")
    assert [None if _missing(i) else int(i) for i in out["id"]] == [1, 2, None, None, 5, 6]
    assert out["status"].tolist() == ["ok", "ok", "malformed-row", "malformed-row", "ok", "empty"]
    lines = [None if _missing(x) else int(x) for x in out["source_line"]]
    assert lines == [None, None, 4, 5, None, None]  # where to look in the input
    assert _missing(out["n_chars"][2]) and _missing(out["upper"][3])  # no prediction for them
    assert list(out.columns[:2]) == ["id", "text"]


def test_jsonl_keys_met_late_are_kept_and_mixed_kinds_become_text(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [{"id": 1, "text": "a"}, {"id": 2, "text": "b"},
            {"id": "x", "text": "c", "meta": {"k": 1}}, {"text": "d", "id": 4.5, "meta": [1]}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    annotate_file(src, tmp_path / "out.parquet", annotate=Fake(), chunk_size=2, progress=False)
    out = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["id"] for r in out] == ["1", "2", "x", "4.5"]
    assert [r["meta"] for r in out] == [None, None, '{"k": 1}', "[1]"]
    assert list(out[0]) == ["id", "text", "meta", "status", "n_chars", "upper", "labels"]


def test_jsonl_of_bad_lines_only_keeps_the_text_column(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("nope\n[1]\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="2 row"):
        report = annotate_file(src, tmp_path / "out.csv", annotate=Fake(), progress=False)
    assert report.rows == 2 and report.bad_lines == 2
    out = read_output(tmp_path / "out.csv")
    assert list(out.columns[:2]) == ["text", "status"]
    assert out["status"].tolist() == ["malformed-row"] * 2


def test_a_csv_row_with_more_fields_than_the_header_is_flagged(tmp_path: Path) -> None:
    """`2,too,many,fields` under `id,text` was once annotated as "too", status ok."""
    src = tmp_path / "in.csv"
    src.write_text('id,text\n1,hello\n\n2,too,many,fields\n3,"quoted, comma"\n'
                   '4,"two\nlines",\n5,bye\n', encoding="utf-8")
    with pytest.warns(UserWarning, match="2 row.*more fields than the header"):
        report = annotate_file(src, tmp_path / "out.csv", annotate=Fake(), chunk_size=2,
                               progress=False)
    out = read_output(tmp_path / "out.csv")
    assert out["id"].astype(str).tolist() == ["1", "2", "3", "4", "5"]
    assert out["status"].tolist() == ["ok", "malformed-row", "ok", "malformed-row", "ok"]
    lines = [None if _missing(x) else int(x) for x in out["source_line"]]
    assert lines == [None, 4, None, 7, None]  # physical lines, the quoted newline counted
    assert out["text"].tolist()[2] == "quoted, comma" and report.bad_lines == 2


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_missing_column_lists_the_columns(tmp_path: Path, ext: str) -> None:
    src = write_input(tmp_path / f"in{ext}",
                      pd.DataFrame({"id": ["a"], "body": ["x"], "author": ["y"]}))
    fake = Fake()
    dst = tmp_path / "out.parquet"
    with pytest.raises(UnknownNameError) as err:
        annotate_file(src, dst, annotate=fake, column="txt", progress=False)
    assert "author, body, id" in str(err.value) and str(src) in str(err.value)
    with pytest.raises(UnknownNameError, match="'nope'"):
        annotate_file(src, dst, annotate=fake, column="body", keep_columns=["id", "nope"],
                      progress=False)
    assert fake.calls == [] and not dst.exists() and not parts_dir(dst).exists()


def test_keep_columns_and_name_collisions(tmp_path: Path) -> None:
    frame = posts(4).assign(status=["draft"] * 4, upper=["u"] * 4, extra=["e"] * 4)
    src = write_input(tmp_path / "in.parquet", frame)
    annotate_file(src, tmp_path / "all.parquet", annotate=Fake(), progress=False)
    out = read_output(tmp_path / "all.parquet")
    assert list(out.columns) == ["id", "text", "status", "upper", "extra", "pred_status",
                                 "n_chars", "pred_upper", "labels"]
    assert out["status"].tolist() == ["draft"] * 4
    assert out["pred_status"].tolist() == ["ok", "ok", "empty", "ok"]

    report = annotate_file(src, tmp_path / "some.csv", annotate=Fake(), progress=False,
                           keep_columns=["extra", "id"])
    out = read_output(tmp_path / "some.csv")
    assert list(out.columns) == ["extra", "id", "status", "n_chars", "upper", "labels"]
    assert report.status_counts == {"ok": 3, "empty": 1}


def test_kill_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.csv", posts(23))
    reference = tmp_path / "reference.parquet"
    annotate_file(src, reference, annotate=Fake(), chunk_size=5, progress=False)

    dst = tmp_path / "out.parquet"
    killed = Fake(fail_on_call=3)
    with pytest.raises(KeyboardInterrupt):
        annotate_file(src, dst, annotate=killed, chunk_size=5, progress=False)
    parts = parts_dir(dst)
    assert not dst.exists()
    assert sorted(p.name for p in parts.iterdir()) == ["manifest.json", "part-000000.parquet",
                                                       "part-000001.parquet"]

    again = Fake()
    report = annotate_file(src, dst, annotate=again, chunk_size=5, progress=False)
    assert [c[0] for c in again.calls] == [TEXTS[10 % 10], TEXTS[15 % 10], TEXTS[20 % 10]]
    assert again.sizes == [5, 5, 3]
    assert (report.rows, report.resumed, report.annotated) == (23, 10, 13)
    assert report.status_counts == {"ok": 20, "empty": 3}
    assert read_output(dst).equals(read_output(reference))
    assert read_output(dst)["id"].is_unique
    assert not parts.exists()


def test_resume_refuses_a_changed_input_and_resume_false_starts_over(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", posts(12))
    dst = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        annotate_file(src, dst, annotate=Fake(fail_on_call=2), chunk_size=4, progress=False)
    with pytest.raises(ResumeMismatchError, match="chunk_size.*resume=False"):
        annotate_file(src, dst, annotate=Fake(), chunk_size=3, progress=False)

    write_input(src, posts(12).assign(text="changed"))
    os.utime(src, ns=(1, 1))  # a different mtime even on coarse clocks
    fake = Fake()
    with pytest.raises(ResumeMismatchError, match="resume=False") as err:
        annotate_file(src, dst, annotate=fake, chunk_size=4, progress=False)
    assert isinstance(err.value, RuntimeError) and fake.calls == []
    assert (parts_dir(dst) / "part-000000.parquet").exists()

    report = annotate_file(src, dst, annotate=fake, chunk_size=4, resume=False, progress=False)
    assert report.resumed == 0 and report.annotated == 12 and fake.sizes == [4, 4, 4]
    assert set(read_output(dst)["upper"]) == {"CHANGED"}


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.csv", posts(3))
    dst = tmp_path / "out.jsonl"
    dst.write_text("old\n", encoding="utf-8")
    fake = Fake()
    with pytest.raises(FileExistsError, match="overwrite"):
        annotate_file(src, dst, annotate=fake, progress=False)
    assert fake.calls == [] and dst.read_text(encoding="utf-8") == "old\n"
    annotate_file(src, dst, annotate=fake, overwrite=True, progress=False)
    assert len(read_output(dst)) == 3


@pytest.mark.parametrize("n_rows", [2, 4])
def test_wrong_number_of_rows_raises(tmp_path: Path, n_rows: int) -> None:
    src = write_input(tmp_path / "in.csv", posts(3))
    dst = tmp_path / "out.parquet"

    def bad(values: list[Any]) -> pd.DataFrame:
        return pd.DataFrame({"status": ["ok"] * n_rows})

    with pytest.raises(RuntimeError, match=f"{n_rows} rows for 3 values"):
        annotate_file(src, dst, annotate=bad, progress=False)
    assert not dst.exists() and not list(parts_dir(dst).glob("part-*"))
    with pytest.raises(TypeError, match="DataFrame"):
        annotate_file(src, dst, annotate=lambda v: ["ok"] * len(v), progress=False)


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_empty_input_gives_an_empty_output(tmp_path: Path, ext: str) -> None:
    src = write_input(tmp_path / f"in{ext}",
                      pd.DataFrame({"id": pd.Series([], dtype=str),
                                    "text": pd.Series([], dtype=str)}))
    fake = Fake()
    report = annotate_file(src, tmp_path / "out.parquet", annotate=fake, progress=False)
    assert isinstance(report, BatchReport) and report.rows == 0 and fake.calls == []
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 0
    assert table.column_names == (["text"] if ext == ".jsonl" else ["id", "text"])
    report = annotate_file(src, tmp_path / "out.csv", annotate=fake, progress=False)
    assert report.rows == 0 and report.status_counts == {}


def test_a_csv_without_even_a_header_is_empty_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"")
    report = annotate_file(src, tmp_path / "out.parquet", annotate=Fake(), progress=False)
    assert report.rows == 0
    assert pq.read_table(tmp_path / "out.parquet").column_names == ["text"]


def test_report_to_dict_is_json_and_progress_bar_runs(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.parquet", posts(5))
    report = annotate_file(src, tmp_path / "out.csv", annotate=Fake(), chunk_size=2)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["output"] == str(tmp_path / "out.csv")
    assert (data["rows"], data["annotated"], data["resumed"]) == (5, 5, 0)
    assert data["status_counts"] == {"ok": 4, "empty": 1} and data["seconds"] >= 0


# --- what the shared tables add: settings in the resume record, the lock, record files ------

def test_a_resume_under_other_settings_is_refused_not_merged(tmp_path):
    src = write_input(tmp_path / "in.csv", pd.DataFrame({"text": TEXTS}))
    dst = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        annotate_file(src, dst, annotate=Fake(fail_on_call=2), chunk_size=4, progress=False,
                      settings={"scheme": "ekman7"})
    assert not dst.with_name(f".{dst.name}.lock").exists()  # the lock goes with the run
    with pytest.raises(ResumeMismatchError, match="settings.*--no-resume"):
        annotate_file(src, dst, annotate=Fake(), chunk_size=4, progress=False,
                      settings={"scheme": "goemotions"})
    report = annotate_file(src, dst, annotate=Fake(), chunk_size=4, progress=False,
                           settings={"scheme": "ekman7"})
    assert report.resumed == 4 and report.rows == len(TEXTS)


def test_a_second_writer_of_the_same_output_is_refused(tmp_path):
    from affectlab.core.errors import OutputLockedError
    from affectlab.core.tables import output_lock

    src = write_input(tmp_path / "in.csv", pd.DataFrame({"text": TEXTS}))
    dst = tmp_path / "out.csv"
    with output_lock(dst), pytest.raises(OutputLockedError, match="another run"):
        annotate_file(src, dst, annotate=Fake(), progress=False)
    stale = dst.with_name(f".{dst.name}.lock")
    stale.write_text("999999999")  # left by a killed run: taken over
    assert annotate_file(src, dst, annotate=Fake(), progress=False).rows == len(TEXTS)
    assert not stale.exists()


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv", ".parquet"])
def test_records_are_written_in_the_format_the_extension_names(tmp_path, suffix):
    from affectlab.core.records import make_record
    from affectlab.core.tables import read_table, write_records

    recs = [make_record("a.wav", "speech", probs={"joy": 0.25}, flags=["x"], seconds=1.5),
            make_record("b.wav", "speech", status="silent", error="silent", seconds=None)]
    out = write_records(recs, tmp_path / f"r{suffix}")
    if suffix == ".json":
        assert json.loads(out.read_text())[0]["probs"] == {"joy": 0.25}
        return
    frame = read_table(out, columns=["source", "status"])
    assert list(frame["source"]) == ["a.wav", "b.wav"]
    assert list(frame["status"]) == ["ok", "silent"]
    if suffix == ".csv":
        assert json.loads(frame["probs"][0]) == {"joy": 0.25}
    from affectlab.core.errors import OutputExistsError

    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_records(recs, out, overwrite=False)


def test_unsupported_record_format_is_an_input_error(tmp_path):
    from affectlab.core.errors import InputError
    from affectlab.core.tables import write_records

    with pytest.raises(InputError, match=r"\.json, \.jsonl|\.csv"):
        write_records([], tmp_path / "r.xlsx")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_input_is_refused_with_the_fix(tmp_path: Path, encoding: str) -> None:
    from affectlab.core.errors import InputError

    src = tmp_path / "in.csv"
    src.write_bytes("text\nI love it\nso sad\n".encode(encoding))
    with pytest.raises(InputError, match="UTF-16.*iconv") as err:
        annotate_file(src, tmp_path / "out.csv", annotate=Fake(), progress=False)
    assert err.value.reason == "not-utf8" and not (tmp_path / "out.csv").exists()
