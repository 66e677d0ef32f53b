"""Tables in and out, for every modality: CSV, JSONL and Parquet, read whole (`read_table`) or
annotated chunk by chunk in bounded memory and resumably (`annotate_file`), and result records
written in the format the file's extension names (`write_records`).

`annotate_file` reads a CSV, JSONL or Parquet file in chunks of exactly `chunk_size` rows, calls
an annotation function on the text column of each chunk, and writes the input columns followed
by the prediction columns, in input order. Each finished chunk is saved as its own Parquet part
in `<output>.parts/` (written under a temporary name, then renamed), so a run that is killed
is resumed by calling again: the parts already there are not annotated a second time, and no row
is lost or written twice. When every chunk is done the parts are streamed into the output.

Nothing is guessed or dropped silently: undecodable bytes become U+FFFD and are counted, a JSONL
line that is not a JSON object is a row with no text (counted as a bad line), CSV cells are kept
as the exact text they hold (empty cells are missing), and an annotation function that returns the
wrong number of rows stops the run. The resume record holds everything that changes the output
(the input's identity, the columns, the chunk size and the caller's `settings`: scheme, model and
its version, ...), so a resumed run with other settings is refused, never merged. A lock file
keeps a second run from writing the same output at the same time.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from affectlab.core.errors import (
    InputError,
    OutputExistsError,
    OutputLockedError,
    ResumeMismatchError,
    UnknownNameError,
)

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
RECORD_FORMATS = {**FORMATS, ".json": "json"}
MANIFEST = "manifest.json"
LOCK = "lock"
_MANIFEST_VERSION = 2
_IN, _OUT = "in.", "out."  # column prefixes inside the parts: input and prediction columns
MALFORMED = "malformed-row"  # the status of a row the reader could not parse
_REPLACEMENT = "\ufffd"


@dataclass
class BatchReport:
    """What one `annotate_file` call did, for people and (via `to_dict`) for `--json`."""

    output: Path
    rows: int = 0
    annotated: int = 0
    resumed: int = 0
    replaced_rows: int = 0
    bad_lines: int = 0
    seconds: float = 0.0
    status_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the output path as a string)."""
        out = asdict(self)
        out["output"] = str(self.output)
        return out


def annotate_file(input: str | os.PathLike, output: str | os.PathLike, *,
                  annotate: Callable[[list[Any]], pd.DataFrame],
                  column: str = "text", chunk_size: int = 2048, resume: bool = True,
                  overwrite: bool = False, progress: bool = True,
                  keep_columns: Sequence[str] | None = None,
                  settings: dict[str, Any] | None = None,
                  engine: ChunkEngine | None = None) -> BatchReport:
    """Write `annotate`'s predictions next to the kept input columns, in bounded memory and
    resumably, so that a file of any size can be annotated and a killed run picked up again.
    `settings` (JSON-ready) names everything else that changes the predictions (scheme, model,
    model version): a resume under other settings raises `ResumeMismatchError`.

    `engine` (e.g. `affectlab.core.engines.RayEngine`) annotates the chunks elsewhere instead of
    calling `annotate` here: the chunks still to do go to `engine.map`, and each finished chunk
    is written as it comes back, so the output and the resume are the same as the local run's."""
    start = time.perf_counter()
    src, dst = Path(input), Path(output)
    in_fmt, out_fmt = file_format(src), file_format(dst)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    parts = parts_dir(dst)
    if dst.exists() and not overwrite and not (resume and parts.is_dir()):
        raise OutputExistsError(f"{dst} already exists: pass overwrite=True (--overwrite) to "
                                "replace it")
    if not src.is_file():
        raise FileNotFoundError(f"input file not found: {src}")
    from affectlab.core.files import clean_stale_temporaries

    clean_stale_temporaries(dst)
    keep = None if keep_columns is None else list(dict.fromkeys(str(c) for c in keep_columns))
    if in_fmt != "parquet":
        check_utf8(src)
    source = _open_source(src, in_fmt, column, keep, chunk_size)

    manifest = _manifest(src, column, chunk_size, keep, settings)
    with output_lock(dst):
        _prepare_parts(parts, manifest, resume)
        if engine is None:
            report = _annotate(source, parts, dst, out_fmt, annotate, chunk_size, progress)
        else:
            report = _annotate_with(engine, lambda: _open_source(src, in_fmt, column, keep,
                                                                 chunk_size),
                                    source, parts, dst, out_fmt, chunk_size, progress)
        shutil.rmtree(parts, ignore_errors=True)
    _warn_once(report, src)
    report.seconds = time.perf_counter() - start
    return report


def _annotate(source: _Source, parts: Path, dst: Path, out_fmt: str,
              annotate: Callable[[list[Any]], pd.DataFrame], chunk_size: int,
              progress: bool) -> BatchReport:
    from affectlab.core.progress import progress_bar

    report = BatchReport(output=dst)
    n_chunks = 0
    with progress_bar(progress, source.total or None, "annotating", transient=False,
                      unit="rows") as bar:
        for index, chunk in enumerate(source.chunks()):
            n_chunks = index + 1
            n = len(chunk.values)
            report.replaced_rows += sum(isinstance(v, str) and _REPLACEMENT in v
                                        for v in chunk.values)
            part = parts / _part_name(index)
            if part.exists():
                report.resumed += n
            else:
                preds = _call_annotate(annotate, chunk.values, index, chunk_size)
                _mark_malformed(preds, chunk.malformed, chunk.lines)
                _write_part(part, chunk.columns, preds, n)
                report.annotated += n
            bar(completed=source.position, count=report.annotated + report.resumed)
        report.bad_lines = source.bad_lines
        bar(0, description="writing")
        paths = [parts / _part_name(i) for i in range(n_chunks)]
        report.rows, report.status_counts = _merge(paths, dst, out_fmt, source.empty_schema())
        bar(0, description="done")
    return report


class ChunkEngine:
    """Annotates chunks somewhere else (other processes, a cluster): `map` takes (index,
    values) pairs and yields (index, predictions) in the same order, one DataFrame row per
    value, as each chunk is done."""

    def map(self, chunks: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, pd.DataFrame]]:
        raise NotImplementedError


def _annotate_with(engine: ChunkEngine, reopen: Callable[[], _Source], source: _Source,
                   parts: Path, dst: Path, out_fmt: str, chunk_size: int,
                   progress: bool) -> BatchReport:
    """Two passes over the input: the first collects the values of the chunks not yet written
    and hands them to `engine`; the second reads the kept columns again, chunk by chunk, and
    writes each chunk as its predictions come back (so only the values are held, not the
    kept columns)."""
    from affectlab.core.progress import progress_bar

    report = BatchReport(output=dst)
    pending: list[tuple[int, list[Any]]] = []
    n_chunks = 0
    for index, chunk in enumerate(source.chunks()):
        n_chunks = index + 1
        report.replaced_rows += sum(isinstance(v, str) and _REPLACEMENT in v
                                    for v in chunk.values)
        if (parts / _part_name(index)).exists():
            report.resumed += len(chunk.values)
        else:
            pending.append((index, chunk.values))
    report.bad_lines = source.bad_lines
    todo = sum(len(v) for _, v in pending)
    with progress_bar(progress, todo or None, "annotating", transient=False,
                      unit="rows") as bar:
        results = engine.map(pending) if pending else iter(())
        wanted = {i for i, _ in pending}
        for index, chunk in enumerate(reopen().chunks()):
            if index not in wanted:
                continue
            got, preds = next(results)
            if got != index:
                raise RuntimeError(f"the engine answered chunk {got} where chunk {index} was "
                                   "due: it must keep the order")
            preds = _call_annotate(lambda _v, p=preds: p, chunk.values, index, chunk_size)
            _mark_malformed(preds, chunk.malformed, chunk.lines)
            _write_part(parts / _part_name(index), chunk.columns, preds, len(chunk.values))
            report.annotated += len(chunk.values)
            bar(completed=report.annotated, count=report.annotated + report.resumed)
        bar(0, description="writing")
        paths = [parts / _part_name(i) for i in range(n_chunks)]
        report.rows, report.status_counts = _merge(paths, dst, out_fmt, source.empty_schema())
        bar(0, description="done")
    return report


@contextmanager
def output_lock(output: str | os.PathLike) -> Iterator[Path]:
    """Hold `<output>.lock` while writing `output`: a second writer fails at once with
    `OutputLockedError` instead of interleaving rows. A lock left by a killed process is taken
    over."""
    out = Path(output)
    lock = out.with_name(f".{out.name}.{LOCK}")
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                owner = lock.read_text().strip()
            except OSError:
                owner = ""
            from affectlab.core.files import process_alive

            if owner and not process_alive(owner):  # the run that held it was killed
                lock.unlink(missing_ok=True)
                continue
            raise OutputLockedError(
                f"{out} is being written by another run (process {owner or 'unknown'}; lock "
                f"{lock}): wait for it to finish, or write to another file") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def file_format(path: str | os.PathLike, formats: dict[str, str] = FORMATS) -> str:
    """'csv', 'jsonl' or 'parquet' (or 'json' for records) from the file's extension (case
    ignored); else an `InputError` naming the extensions that work."""
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        raise InputError(f"unsupported file type {suffix or '(none)'!r} for {path}: "
                         f"use one of {', '.join(formats)}", reason="unsupported-format")
    return formats[suffix]


def check_utf8(path: str | os.PathLike) -> None:
    """Refuse a text table in UTF-16 or UTF-32 (a byte-order mark, or NUL bytes between the
    characters): read as UTF-8 it would give NUL-ridden garbage. Other undecodable bytes are
    replaced and counted instead."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    boms = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32",
            b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
    found = next((name for bom, name in boms.items() if head.startswith(bom)), None)
    if found is None and head and head.count(b"\x00") > len(head) // 4:
        found = "UTF-16 or UTF-32"
    if found:
        raise InputError(f"{path} looks like {found}, not UTF-8: convert it first, e.g. "
                         f"`iconv -f {found.split()[0]} -t UTF-8 {Path(path).name} > "
                         f"{Path(path).stem}-utf8{Path(path).suffix}`", reason="not-utf8")


def read_table(path: str | os.PathLike, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A whole (small) CSV, JSONL or Parquet file as a DataFrame; CSV cells stay text. Errors
    name the file; `columns` are checked to be there (with suggestions)."""
    src = Path(path)
    if not src.is_file():
        raise FileNotFoundError(f"no such file: {src}")
    fmt = file_format(src)
    if fmt != "parquet":
        check_utf8(src)
    try:
        if fmt == "csv":
            frame = pd.read_csv(src, dtype=str, keep_default_na=False, encoding="utf-8",
                                encoding_errors="replace")
        elif fmt == "jsonl":
            frame = pd.read_json(src, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(src)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pa.ArrowException) as exc:
        raise InputError(f"cannot read {src} as {fmt}: {exc}", reason="unreadable") from exc
    if columns:
        _check_columns(src, columns[0], list(columns[1:]), [str(c) for c in frame.columns])
    return frame


def write_records(records: Sequence[dict[str, Any]], path: str | os.PathLike, *,
                  overwrite: bool = True) -> Path:
    """Result records into the format `path`'s extension names (.json array, .jsonl, .csv with
    nested values as JSON text, .parquet), atomically."""
    from affectlab.core.files import atomic_path

    out = Path(path)
    fmt = file_format(out, RECORD_FORMATS)
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} already exists: pass overwrite=True (--overwrite) to "
                                "replace it")
    rows = [_plain(r) for r in records]
    from affectlab.core.files import clean_stale_temporaries

    clean_stale_temporaries(out)  # left by a run killed while writing
    with atomic_path(out) as tmp:
        if fmt == "json":
            tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=2, default=_json_default)
                           + "\n", encoding="utf-8")
        elif fmt == "jsonl":
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n" for row in rows)
        else:
            names = list(dict.fromkeys(k for r in rows for k in r))
            if fmt == "csv":
                frame = pd.DataFrame([{k: _cell(r.get(k)) for k in names} for r in rows],
                                     columns=names)
                frame.to_csv(tmp, index=False, lineterminator="\n")
            else:
                table = pa.table({k: _to_arrow([r.get(k) for r in rows]) for k in names}) \
                    if names else pa.table({})
                pq.write_table(table, tmp)
    return out


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A record with non-finite floats as None (JSON has no NaN)."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in record.items()}


def _cell(value: Any) -> Any:
    """A CSV cell: scalars as they are, lists and dicts as JSON text."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return value


def parts_dir(output: str | os.PathLike) -> Path:
    """The folder holding the finished chunks of an unfinished run for `output`."""
    out = Path(output)
    return out.with_name(out.name + ".parts")


# --- reading ------------------------------------------------------------------------------------

@dataclass
class _Chunk:
    columns: dict[str, pa.Array | pa.ChunkedArray]  # kept input columns, by name
    values: list[Any]                                # raw cells of the text column
    malformed: list[int] = field(default_factory=list)  # rows that could not be parsed
    lines: list[int] = field(default_factory=list)      # ... and their line in the file


class _Source:
    """Chunks of one input file, with what was learnt on the way (position, bad lines)."""

    total: int = 0          # progress units: rows for Parquet, bytes otherwise
    position: int = 0
    bad_lines: int = 0

    def chunks(self) -> Iterator[_Chunk]:
        raise NotImplementedError

    def empty_schema(self) -> pa.Schema:
        raise NotImplementedError


def _open_source(path: Path, fmt: str, column: str, keep: list[str] | None,
                 chunk_size: int) -> _Source:
    cls = {"csv": _CsvSource, "jsonl": _JsonlSource, "parquet": _ParquetSource}[fmt]
    return cls(path, column, keep, chunk_size)


def _check_columns(path: Path, column: str, keep: list[str] | None,
                   available: list[str]) -> None:
    """UnknownNameError for the text column or a kept column the input does not have."""
    for name in [column, *(keep or [])]:
        if name not in available:
            raise UnknownNameError("column", name, available, context=str(path))


class _CsvSource(_Source):
    def __init__(self, path: Path, column: str, keep: list[str] | None, chunk_size: int) -> None:
        self.path, self.column, self.chunk_size = path, column, chunk_size
        try:
            header = list(pd.read_csv(path, nrows=0, encoding="utf-8", encoding_errors="replace",
                                      dtype=str).columns)
        except pd.errors.EmptyDataError:  # not even a header: no rows, no columns to check
            header = None
        if header is not None:
            _check_columns(path, column, keep, header)
        self.header = header
        self.keep = keep if keep is not None else (header or [column])
        self.total = path.stat().st_size

    def chunks(self) -> Iterator[_Chunk]:
        if self.header is None:
            return
        wanted = list(dict.fromkeys([*self.keep, self.column]))
        too_long = self._rows_with_extra_fields()
        first = 0
        with open(self.path, "rb") as fh:
            # Every column as text: the cells pass through unchanged (no "007" -> 7, no int column
            # turning float in the one chunk with a gap); only an empty cell is missing (NaN).
            reader = pd.read_csv(fh, chunksize=self.chunk_size, usecols=wanted, dtype=str,
                                 keep_default_na=False, na_values=[""], encoding="utf-8",
                                 encoding_errors="replace")
            frames = _rechunk(reader, self.chunk_size, len, pd.concat,
                              lambda f, a, b: f.iloc[a:b])
            for frame in frames:
                self.position = fh.tell()
                here = [(i - first, line) for i, line in too_long
                        if first <= i < first + len(frame)]
                first += len(frame)
                yield _Chunk({c: _to_arrow(frame[c]) for c in self.keep},
                             frame[self.column].tolist(), [i for i, _ in here],
                             [line for _, line in here])
        self.position = self.total

    def _rows_with_extra_fields(self) -> list[tuple[int, int]]:
        """Data rows with more fields than the header (pandas would silently drop the extra
        fields, and with them the row's meaning): one streaming pass of the csv module."""
        import csv
        import io

        width = len(self.header or [])
        out = []
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            reader = csv.reader(text)
            rows = ((r, reader.line_num) for r in reader if r)  # pandas skips blank lines too
            next(rows, None)  # the header
            out = [(i, line) for i, (row, line) in enumerate(rows) if len(row) > width]
        self.bad_lines += len(out)
        return out

    def empty_schema(self) -> pa.Schema:
        return pa.schema([(c, pa.string()) for c in self.keep])


class _JsonlSource(_Source):
    def __init__(self, path: Path, column: str, keep: list[str] | None, chunk_size: int) -> None:
        self.path, self.column, self.keep, self.chunk_size = path, column, keep, chunk_size
        seen = self._scan_keys({column, *(keep or [])})
        if seen:  # a file with no JSON object at all has no columns to contradict the request
            _check_columns(path, column, keep, seen)
        self.header = seen or [column]  # leads the column order of every chunk
        self.total = path.stat().st_size

    def _scan_keys(self, needed: set[str]) -> list[str]:
        """Keys of the leading objects, read until every needed name is found (or the end)."""
        seen: dict[str, None] = {}
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh):
                obj = _parse_line(raw, number)
                if isinstance(obj, dict):
                    seen.update(dict.fromkeys(obj))
                    if needed.issubset(seen):
                        break
        return list(seen)

    def chunks(self) -> Iterator[_Chunk]:
        rows: list[dict[str, Any] | None] = []
        numbers: list[int] = []
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh):
                self.position += len(raw)
                if not raw.strip():  # a blank line is no row in JSONL
                    continue
                obj = _parse_line(raw, number)
                if not isinstance(obj, dict):
                    self.bad_lines += 1
                    obj = None
                rows.append(obj)
                numbers.append(number + 1)
                if len(rows) == self.chunk_size:
                    yield self._chunk(rows, numbers)
                    rows, numbers = [], []
        if rows:
            yield self._chunk(rows, numbers)

    def _chunk(self, rows: list[dict[str, Any] | None], numbers: list[int]) -> _Chunk:
        names = self.keep
        if names is None:  # every key met in this chunk; the merge takes the union of chunks
            met = (k for r in rows if r is not None for k in r)
            names = list(dict.fromkeys([*self.header, *met]))
        columns = {n: _to_arrow([None if r is None else r.get(n) for r in rows]) for n in names}
        bad = [i for i, r in enumerate(rows) if r is None]
        return _Chunk(columns, [None if r is None else r.get(self.column) for r in rows], bad,
                      [numbers[i] for i in bad])

    def empty_schema(self) -> pa.Schema:
        return pa.schema([(c, pa.string()) for c in (self.keep or [self.column])])


def _parse_line(raw: bytes, number: int) -> Any:
    """One JSONL line as JSON (bad bytes replaced, lone surrogates too), or None if not JSON."""
    text = raw.decode("utf-8", errors="replace")
    if number == 0:
        text = text.lstrip("\ufeff")
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and "\\ud" in text.lower():  # "\ud800" escapes decode to surrogates
        obj = {k: _fix_surrogates(v) if isinstance(v, str) else v for k, v in obj.items()}
    return obj


def _fix_surrogates(text: str) -> str:
    """`text` with lone surrogates (not encodable as UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")


class _ParquetSource(_Source):
    def __init__(self, path: Path, column: str, keep: list[str] | None, chunk_size: int) -> None:
        self.path, self.column, self.chunk_size = path, column, chunk_size
        self.file = pq.ParquetFile(path)
        self.schema = self.file.schema_arrow
        _check_columns(path, column, keep, list(self.schema.names))
        self.keep = keep if keep is not None else list(self.schema.names)
        self.total = self.file.metadata.num_rows

    def chunks(self) -> Iterator[_Chunk]:
        wanted = list(dict.fromkeys([*self.keep, self.column]))
        batches = (pa.Table.from_batches([b]) for b in
                   self.file.iter_batches(batch_size=self.chunk_size, columns=wanted))
        tables = _rechunk(batches, self.chunk_size, len, pa.concat_tables,
                          lambda t, a, b: t.slice(a, b - a))
        for table in tables:
            self.position += len(table)
            yield _Chunk({c: table.column(c) for c in self.keep},
                         table.column(self.column).to_pylist())

    def empty_schema(self) -> pa.Schema:
        return pa.schema([self.schema.field(c) for c in self.keep])


def _rechunk(pieces: Iterable[Any], size: int, length: Callable[[Any], int],
             concat: Callable[[list[Any]], Any],
             take: Callable[[Any, int, int], Any]) -> Iterator[Any]:
    """Pieces regrouped into exactly `size` rows each (the last may be shorter): resuming relies
    on the same rows falling into the same chunk every time."""
    buffer: list[Any] = []
    held = 0
    for piece in pieces:
        if not length(piece):
            continue
        buffer.append(piece)
        held += length(piece)
        while held >= size:
            whole = buffer[0] if len(buffer) == 1 else concat(buffer)
            yield take(whole, 0, size)
            held -= size
            buffer = [take(whole, size, size + held)] if held else []
    if held:
        yield buffer[0] if len(buffer) == 1 else concat(buffer)


# --- annotating and the parts -------------------------------------------------------------------

def _mark_malformed(preds: pd.DataFrame, rows: list[int], lines: list[int]) -> None:
    """Rows the reader could not parse keep their place, get no prediction and say why; a
    `source_line` column gives their line in the input (the column is there only when some row
    could not be parsed, empty for the others)."""
    if not rows:
        return
    for name in preds.columns:
        if name == "status":
            continue
        column = preds[name].astype(object)
        column.iloc[rows] = None
        preds[name] = column
    preds["status"] = preds["status"].astype(object) if "status" in preds else None
    preds.iloc[rows, preds.columns.get_loc("status")] = MALFORMED
    where: list[int | None] = [None] * len(preds)
    for row, line in zip(rows, lines, strict=True):
        where[row] = int(line)
    preds["source_line"] = pd.Series(where, index=preds.index, dtype=object)


def _call_annotate(annotate: Callable[[list[Any]], pd.DataFrame], values: list[Any], index: int,
                   chunk_size: int) -> pd.DataFrame:
    """`annotate(values)`, checked to be a DataFrame with one row per value."""
    preds = annotate(values)
    first = index * chunk_size
    where = f"chunk {index} (rows {first}-{first + len(values) - 1})"
    if not isinstance(preds, pd.DataFrame):
        raise TypeError(f"annotate must return a pandas DataFrame, got {type(preds).__name__} "
                        f"for {where}")
    if len(preds) != len(values):
        raise RuntimeError(f"annotate returned {len(preds)} rows for {len(values)} values in "
                           f"{where}: it must return exactly one row per value, in order")
    names = [str(c) for c in preds.columns]
    if len(set(names)) != len(names):
        raise RuntimeError(f"annotate returned duplicate column names {names} for {where}")
    return preds


def _write_part(path: Path, columns: dict[str, Any], preds: pd.DataFrame, n: int) -> None:
    """One finished chunk as Parquet, written to a temporary name and renamed (all or nothing)."""
    arrays = {_IN + name: values for name, values in columns.items()}
    for i, name in enumerate(preds.columns):
        arrays[_OUT + str(name)] = _to_arrow(preds.iloc[:, i])
    if not arrays:
        raise RuntimeError("nothing to write: no kept input column and no prediction column")
    table = pa.table(arrays)
    if table.num_rows != n:
        raise RuntimeError(f"chunk of {n} rows produced {table.num_rows} rows")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


def _manifest(path: Path, column: str, chunk_size: int, keep: list[str] | None,
              settings: dict[str, Any] | None) -> dict[str, Any]:
    stat = path.stat()
    return {"version": _MANIFEST_VERSION, "input": str(path.resolve()), "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "column": column, "chunk_size": chunk_size,
            "keep_columns": keep,
            "settings": json.loads(json.dumps(settings or {}, default=str, sort_keys=True))}


def _prepare_parts(parts: Path, manifest: dict[str, Any], resume: bool) -> None:
    """Keep the parts of a matching earlier run (resume), or start an empty parts folder."""
    if parts.is_dir() and resume:
        try:
            old = json.loads((parts / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old is None and not any(parts.glob("part-*.parquet")):
            old = manifest  # killed before anything was saved: nothing to keep or contradict
        if old != manifest:
            changed = sorted(k for k in manifest if not isinstance(old, dict)
                             or old.get(k) != manifest[k])
            raise ResumeMismatchError(
                f"{parts} holds chunks of an earlier run that does not match this one "
                f"(differs in: {', '.join(changed) or 'manifest'}): the input or the settings "
                "changed. Pass resume=False (--no-resume) to discard those chunks and start "
                "again.")
        for tmp in parts.glob(".*.tmp-*"):  # half-written parts of a killed run
            tmp.unlink(missing_ok=True)
    else:
        if parts.exists():
            shutil.rmtree(parts)
        parts.mkdir(parents=True)
    from affectlab.core.files import write_json

    write_json(manifest, parts / MANIFEST)


# --- values <-> Arrow ---------------------------------------------------------------------------

def _to_arrow(values: pd.Series | list[Any]) -> pa.Array:
    """One column as Arrow; a column mixing kinds (1 and "a") becomes text, JSON for non-strings."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
        items = values.tolist() if isinstance(values, pd.Series) else values
        return pa.array([_as_text(v) for v in items], type=pa.string())


def _as_text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return _fix_surrogates(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _common_type(types: list[pa.DataType]) -> pa.DataType:
    """One type for a column whose chunks were typed apart (null/int/float, ...), else text."""
    distinct = list(dict.fromkeys(types))
    if len(distinct) == 1:
        return distinct[0]
    try:
        schemas = [pa.schema([("x", t)]) for t in distinct]
        return pa.unify_schemas(schemas, promote_options="permissive").field("x").type
    except (pa.ArrowException, NotImplementedError, TypeError, ValueError):
        return pa.string()


def _conform(values: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | pa.Array:
    """`values` cast to the output type; to text (JSON for non-strings) where no cast exists."""
    if values.type == target:
        return values
    try:
        return values.cast(target)
    except (pa.ArrowException, NotImplementedError):
        if not pa.types.is_string(target):
            raise
        return pa.array([_as_text(v) for v in values.to_pylist()], type=pa.string())


# --- the output ---------------------------------------------------------------------------------

def _merge(paths: list[Path], output: Path, fmt: str,
           empty: pa.Schema) -> tuple[int, dict[str, int]]:
    """Stream the parts, one at a time, into `output` (temporary name, then renamed)."""
    inputs: dict[str, list[pa.DataType]] = {}
    preds: dict[str, list[pa.DataType]] = {}
    for path in paths:
        for fld in pq.read_schema(path):
            into = inputs if fld.name.startswith(_IN) else preds
            into.setdefault(fld.name, []).append(fld.type)
    if not paths:
        inputs = {_IN + f.name: [f.type] for f in empty}
    names = [n[len(_IN):] for n in inputs]
    used = set(names)
    plan: list[tuple[str, str, pa.DataType]] = [(n, n[len(_IN):], _common_type(t))
                                                for n, t in inputs.items()]
    for n, types in preds.items():
        final = n[len(_OUT):]
        while final in used:  # a prediction named like an input column
            final = "pred_" + final
        used.add(final)
        plan.append((n, final, _common_type(types)))
    schema = pa.schema([(final, kind) for _, final, kind in plan])

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    rows, status = 0, Counter()
    writer = _WRITERS[fmt](tmp, schema)
    try:
        if not paths:
            writer.write(schema.empty_table())
        for path in paths:
            part = pq.read_table(path)
            arrays = [_conform(part.column(src), kind) if src in part.column_names
                      else pa.nulls(part.num_rows, kind) for src, _, kind in plan]
            writer.write(pa.Table.from_arrays(arrays, schema=schema))
            rows += part.num_rows
            if _OUT + "status" in part.column_names:
                for item in pc.value_counts(part.column(_OUT + "status")).to_pylist():
                    if item["values"] is not None:
                        status[str(item["values"])] += item["counts"]
        writer.close()
        os.replace(tmp, output)
    finally:
        writer.close()
        tmp.unlink(missing_ok=True)
    return rows, dict(status)


class _Writer:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema, self.closed = path, schema, False

    def write(self, table: pa.Table) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.closed = True


class _ParquetWriter(_Writer):
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.writer = pq.ParquetWriter(path, schema)

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        if not self.closed:
            self.writer.close()
        super().close()


class _TextWriter(_Writer):
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        super().__init__(path, schema)
        self.fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close)
        self.started = False

    def close(self) -> None:
        if not self.closed:
            self.fh.close()
        super().close()


class _CsvWriter(_TextWriter):
    def write(self, table: pa.Table) -> None:
        columns = []
        for col in table.columns:
            if _is_nested(col.type):  # lists, structs, maps: JSON text in a CSV cell
                col = pa.array([_as_text(v) for v in col.to_pylist()], type=pa.string())
            columns.append(col)
        frame = pa.Table.from_arrays(columns, names=table.column_names).to_pandas(
            integer_object_nulls=True)  # ints with gaps stay "3", not "3.0"
        frame.to_csv(self.fh, index=False, header=not self.started, lineterminator="\n")
        self.started = True


class _JsonlWriter(_TextWriter):
    def write(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            clean = {k: None if isinstance(v, float) and not math.isfinite(v) else v
                     for k, v in row.items()}
            self.fh.write(json.dumps(clean, ensure_ascii=False, default=str) + "\n")


_WRITERS: dict[str, type[_Writer]] = {"parquet": _ParquetWriter, "csv": _CsvWriter,
                                      "jsonl": _JsonlWriter}


def _is_nested(kind: pa.DataType) -> bool:
    return (pa.types.is_list(kind) or pa.types.is_large_list(kind)
            or pa.types.is_fixed_size_list(kind) or pa.types.is_struct(kind)
            or pa.types.is_map(kind))


# --- people -------------------------------------------------------------------------------------

def _warn_once(report: BatchReport, path: Path) -> None:
    if report.replaced_rows:
        warnings.warn(f"{report.replaced_rows} text(s) of {path} hold U+FFFD: bytes that are not "
                      "UTF-8 were replaced", UnicodeWarning, stacklevel=3)
    if report.bad_lines:
        warnings.warn(f"{report.bad_lines} row(s) of {path} could not be parsed (a CSV row with "
                      "more fields than the header, a JSONL line that is not a JSON object): "
                      f"status {MALFORMED!r}, no predictions", UserWarning, stacklevel=3)
