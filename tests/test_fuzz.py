"""A fuzz corpus that stays: bad and edge inputs of every kind (texts, tables, audio, MIDI,
photos), each through the real command. For each: the documented exit code (0 all analysed, 1 some inputs not
analysed, 2 usage error), a clear message or a per-item status, never a traceback, and no row
lost or changed. Plus a kill-at-random-moments resume of a table run, against an uninterrupted
run.

The counts are in docs/RESULTS.md ("Bad input, fuzzed"); `FUZZ_CASES` below is the list.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    """Run the command in-process; a traceback (any exception but SystemExit) fails the test."""
    res = runner.invoke(app, list(args), input=input)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"traceback for {args}: {res.exception!r}\n{res.output}")
    assert "Traceback" not in res.output, res.output
    return res


# --- texts --------------------------------------------------------------------------------------

TEXT_CASES = {
    "empty": ("", 1, "empty"),
    "spaces": ("   \t ", 1, "empty"),
    "emoji only": ("😀🎉🔥", 1, "no-words"),
    "digits only": ("1234 5678", 1, "no-words"),
    "german": ("Ich bin heute so glücklich und dankbar", 1, "non-english"),
    "chinese": ("我今天很高兴", 1, "non-english"),
    "very long": ("so happy " * 2000, 0, "truncated"),
    "control characters": ("I am \x00\x07 happy", 0, "ok"),
    "fine": ("Thank you so much!", 0, "ok"),
}


@pytest.mark.parametrize("name", list(TEXT_CASES))
def test_text_inputs(name):
    text, code, status = TEXT_CASES[name]
    res = invoke("analyze", text, "--json", "--quiet")
    records = json.loads(res.stdout)
    assert res.exit_code == code and len(records) == 1
    assert records[0]["status"] == status and records[0]["source"] in (text, None)


def test_a_batch_of_texts_keeps_every_row_in_order():
    texts = [t for t, _, _ in TEXT_CASES.values()]
    res = invoke("analyze", *texts, "--json", "--quiet")
    records = json.loads(res.stdout)
    assert res.exit_code == 1 and [r["status"] for r in records] == \
        [s for _, _, s in TEXT_CASES.values()]


# --- tables -------------------------------------------------------------------------------------

def _table_cases(tmp: Path) -> dict[str, tuple[Path, int, str]]:
    """name -> (input file, exit code, what the output or message must show)."""
    cases: dict[str, tuple[Path, int, str]] = {}

    def put(name: str, data: bytes, suffix: str, code: int, expect: str) -> None:
        path = tmp / f"{name.replace(' ', '_')}{suffix}"
        path.write_bytes(data)
        cases[name] = (path, code, expect)

    put("empty file", b"", ".csv", 0, "rows 0")
    put("header only", b"text\n", ".csv", 0, "rows 0")
    put("missing column", b"body\nhello\n", ".csv", 2, "unknown column 'text'")
    put("utf-16", "text\nhello\n".encode("utf-16"), ".csv", 2, "UTF-16")
    put("invalid utf-8", b"text\ncaf\xe9 is nice\nfine\n", ".csv", 0, "U+FFFD")
    put("extra fields", b"id,text\n1,hello\n2,too,many,fields\n", ".csv", 1, "malformed-row")
    put("blank and empty rows", b"id,text\n1,\n\n2,hello\n", ".csv", 1, "empty")
    put("malformed jsonl", b'{"text": "ok"}\n{broken\n[1, 2]\n\n{"text": 5}\n', ".jsonl", 1,
        "malformed-row")
    put("unsupported type", b"hello", ".txt", 2, "unsupported file type")
    put("not a parquet", b"PAR1 but not really", ".parquet", 2, "")
    cases["missing file"] = (tmp / "nope.csv", 2, "not found")
    cases["a folder"] = (tmp, 2, "")
    return cases


TABLE_NAMES = ["empty file", "header only", "missing column", "utf-16", "invalid utf-8",
               "extra fields", "blank and empty rows", "malformed jsonl", "unsupported type",
               "not a parquet", "missing file", "a folder"]


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_table_inputs(name, tmp_path):
    src, code, expect = _table_cases(tmp_path)[name]
    out = tmp_path / "out" / "o.jsonl"
    res = invoke("analyze", "--input", str(src), "--output", str(out), "--json", "--quiet")
    assert res.exit_code == code, res.output
    if code == 2:
        assert expect in json.loads(res.stdout)["error"] and not out.exists()
        return
    report = json.loads(res.stdout)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert report["rows"] == len(rows)
    raw = src.read_bytes()
    if src.suffix == ".csv" and raw.count(b"\n") > 1:
        expected = len(pd.read_csv(src, dtype=str, skip_blank_lines=True,
                                   encoding_errors="replace", on_bad_lines="skip",
                                   engine="python")) + raw.count(b"many")
        assert len(rows) == expected  # no lost or invented rows
    assert expect in json.dumps(rows, ensure_ascii=False) + res.output or \
        expect.replace("rows ", "") == str(len(rows))


def test_output_rules(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\nhello\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    out.write_text("keep me", encoding="utf-8")
    res = invoke("analyze", "--input", str(src), "--output", str(out), "--quiet")
    assert res.exit_code == 2 and out.read_text() == "keep me"
    res = invoke("analyze", "--input", str(src), "--output", str(tmp_path / "o.xlsx"), "--quiet")
    assert res.exit_code == 2 and "unsupported" in res.output


# --- audio --------------------------------------------------------------------------------------

def _audio_cases(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, the status its record must carry)."""
    import soundfile as sf

    rng = np.random.default_rng(0)
    speechy = (0.3 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)
               * (1 + 0.5 * rng.standard_normal(16000))).astype(np.float32)
    cases: dict[str, tuple[Path, str]] = {}

    def wav(name: str, x: np.ndarray, rate: int = 16000, status: str = "ok") -> None:
        path = tmp / f"{name.replace(' ', '_')}.wav"
        sf.write(path, x, rate)
        cases[name] = (path, status)

    def raw(name: str, data: bytes, suffix: str, status: str) -> None:
        path = tmp / f"{name.replace(' ', '_')}{suffix}"
        path.write_bytes(data)
        cases[name] = (path, status)

    wav("tone", speechy)
    wav("stereo", np.stack([speechy, speechy[::-1]], axis=1))
    wav("8 kHz", speechy[::2], rate=8000)
    wav("silent", np.zeros(16000, dtype=np.float32), status="silent")
    raw("text as wav", b"this is not audio at all", ".wav", "not-audio")
    raw("empty wav", b"", ".wav", "not-audio")
    ok = tmp / "tone.wav"
    raw("truncated wav", ok.read_bytes()[:60], ".wav", "not-audio")
    cases["missing"] = (tmp / "gone.wav", "missing")
    return cases


def test_audio_inputs_each_get_a_record(tmp_path):
    cases = _audio_cases(tmp_path)
    out = tmp_path / "out.csv"
    res = invoke("analyze-audio", *[str(p) for p, _ in cases.values()], "-o", str(out),
                 "--json", "--quiet")
    assert res.exit_code == 1, res.output
    frame = pd.read_csv(out)
    assert len(frame) == len(cases)  # nothing dropped, in order
    assert list(frame["source"]) == [str(p) for p, _ in cases.values()]
    got = dict(zip(cases, frame["status"], strict=True))
    for name, (_, status) in cases.items():
        if status == "ok":
            assert got[name] == "ok", (name, got[name])
        else:
            assert got[name] != "ok", (name, got[name])
    assert got["silent"] == "silent" and got["missing"] == "missing"


def test_audio_usage_errors(tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    res = invoke("analyze-audio", str(empty), "--json")
    assert res.exit_code == 2 and "no sound files" in json.loads(res.stdout)["error"]
    res = invoke("analyze-audio", str(tmp_path / "*.wav"), "--json")
    assert res.exit_code == 2 and "matches no file" in json.loads(res.stdout)["error"]
    res = invoke("analyze-audio", str(tmp_path / "x.wav"), "--scheme", "ekmann", "--json")
    assert res.exit_code == 2 and "Did you mean" in json.loads(res.stdout)["error"]


# --- MIDI ---------------------------------------------------------------------------------------

def _midi_cases(tmp: Path) -> dict[str, tuple[Path, str]]:
    import pretty_midi

    cases: dict[str, tuple[Path, str]] = {}
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    piano = pretty_midi.Instrument(program=0)
    for i, pitch in enumerate([60, 64, 67, 72, 71, 67, 64, 60] * 4):
        piano.notes.append(pretty_midi.Note(80, pitch, i * 0.3, i * 0.3 + 0.28))
    pm.instruments.append(piano)
    good = tmp / "good.mid"
    pm.write(str(good))
    cases["good"] = (good, "ok")
    silent = pretty_midi.PrettyMIDI()
    silent.instruments.append(pretty_midi.Instrument(program=0))
    silent.write(str(tmp / "no_notes.mid"))
    cases["no notes"] = (tmp / "no_notes.mid", "no-notes")
    for name, data, status in (("not midi", b"hello there", "corrupt"),
                               ("empty", b"", "empty"),
                               ("truncated", good.read_bytes()[:30], "")):
        path = tmp / f"{name.replace(' ', '_')}.mid"
        path.write_bytes(data)
        cases[name] = (path, status)
    cases["missing"] = (tmp / "gone.mid", "missing")
    return cases


def test_midi_inputs_each_get_a_record(tmp_path):
    cases = _midi_cases(tmp_path)
    out = tmp_path / "music.jsonl"
    res = invoke("analyze-music", *[str(p) for p, _ in cases.values()], "-o", str(out),
                 "--json", "--quiet")
    assert res.exit_code == 1, res.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source"] for r in records] == [str(p) for p, _ in cases.values()]
    for (name, (_, status)), rec in zip(cases.items(), records, strict=True):
        if status == "ok":
            assert rec["status"] == "ok" and rec["top"], name
        else:
            assert rec["status"] != "ok" and rec["error"], name
            if status:
                assert rec["status"] == status, (name, rec["status"])


FUZZ_CASES = (len(TEXT_CASES) + len(TABLE_NAMES) + 2 + 8 + 3 + 6 + 12)


# --- images -------------------------------------------------------------------------------------

def _image_cases(tmp: Path, media: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, the status of its first record) for the issue's list of bad photos."""
    from PIL import Image

    face = Image.open(media / "single_face.jpg").convert("RGB")
    cases: dict[str, tuple[Path, str]] = {}

    def save(name: str, im, status: str, suffix: str = ".png", **kw) -> None:
        path = tmp / f"{name.replace(' ', '_')}{suffix}"
        im.save(path, **kw)
        cases[name] = (path, status)

    save("grayscale", face.convert("L"), "ok")
    save("rgba", face.convert("RGBA"), "ok")
    save("cmyk", face.convert("CMYK"), "ok", ".jpg")
    exif = Image.Exif()
    exif[0x0112] = 8  # stored turned; upright only when the tag is applied
    save("exif rotation", face.rotate(-90, expand=True), "ok", ".jpg", exif=exif.tobytes())
    save("one pixel", Image.new("RGB", (1, 1)), "too-small")
    save("huge", Image.new("L", (10_000, 10_000), 90), "no_face", ".jpg", quality=30)
    sheet = Image.new("RGB", (1000, 800), (128, 128, 128))
    for k in range(20):
        sheet.paste(face.resize((200, 200)), ((k % 5) * 200, (k // 5) * 200))
    save("twenty faces", sheet, "ok", ".jpg")
    (tmp / "text.jpg").write_text("not an image")
    cases["not an image"] = (tmp / "text.jpg", "not-image")
    good = (media / "single_face.jpg").read_bytes()
    (tmp / "cut.jpg").write_bytes(good[: len(good) // 3])
    cases["truncated jpeg"] = (tmp / "cut.jpg", "truncated")
    cases["no face"] = (media / "free-mountain-vector-01.jpg", "no_face")
    cases["missing"] = (tmp / "gone.jpg", "missing")
    return cases


def test_image_inputs_each_get_a_record(tmp_path, media, face_backends):
    cases = _image_cases(tmp_path, media)
    out = tmp_path / "faces.jsonl"
    res = invoke("analyze-face", *[str(p) for p, _ in cases.values()], "-o", str(out),
                 "--json", "--quiet")
    assert res.exit_code == 1, res.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    first = {}
    for r in records:
        first.setdefault(r["source"], r)
    assert list(first) == [str(p) for p, _ in cases.values()]  # every photo, in order
    for name, (path, status) in cases.items():
        rec = first[str(path)]
        assert rec["status"] == status or (status == "truncated" and rec["status"] in (
            "truncated", "not-image", "no_face")), (name, rec["status"], rec["error"])
        if status != "ok":
            assert rec["error"], name
    crowd = [r for r in records if r["source"] == str(cases["twenty faces"][0])]
    assert len(crowd) == 20


# --- a killed table run resumes to the same file -------------------------------------------------

def test_kill_at_random_moments_then_resume_matches_one_run(tmp_path):
    """Kill `affectlab analyze --input` at random moments (SIGKILL: no clean-up at all), run it
    again each time, and compare with an uninterrupted run: no row lost, doubled or changed."""
    texts = [f"{w} number {i}" for i, w in enumerate(
        ["I love this", "so sad today", "this is infuriating", "what a surprise", "meh"] * 60)]
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_csv(src, index=False)
    cmd = [sys.executable, "-m", "affectlab", "--quiet", "--threads", "1", "analyze",
           "--input", str(src), "--chunk-size", "20", "--json"]
    env = {**os.environ, "AFFECTLAB_QUIET": "1"}
    reference = tmp_path / "ref.csv"
    subprocess.run([*cmd, "--output", str(reference)], env=env, check=False,
                   capture_output=True, timeout=600)
    out = tmp_path / "out.csv"
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        proc = subprocess.Popen([*cmd, "--output", str(out)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(3.0, 7.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if out.exists() and not out.with_name(out.name + ".parts").exists():
            break
    done = subprocess.run([*cmd, "--output", str(out)], env=env, capture_output=True, check=False,
                          text=True, timeout=600)
    if out.exists() and done.returncode == 2 and "already exists" in done.stdout:
        pass  # a run finished before it could be killed
    else:
        assert done.returncode == 0, done.stdout + done.stderr
    assert kills >= 1, "no run was interrupted: raise the work or shorten the waits"
    got, want = pd.read_csv(out), pd.read_csv(reference)
    assert len(got) == len(texts) and got["id"].tolist() == list(range(len(texts)))
    pd.testing.assert_frame_equal(got, want)
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or p.name.endswith(".lock")]


def test_a_mismatched_resume_is_one_line_naming_the_flag(tmp_path):
    """Parts of a killed run under other settings (here the chunk size): exit 2, one line that
    names --no-resume, no traceback; --no-resume then starts again."""
    from affectlab.core.tables import annotate_file

    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["I love it", "so sad", "great", "awful", "fine"] * 4}).to_csv(
        src, index=False)
    out = tmp_path / "out.csv"

    def killed(values):
        if killed.calls:
            raise KeyboardInterrupt
        killed.calls += 1
        return pd.DataFrame({"status": ["ok"] * len(values)})

    killed.calls = 0
    with pytest.raises(KeyboardInterrupt):
        annotate_file(src, out, annotate=killed, chunk_size=4, progress=False)
    res = invoke("analyze", "--input", str(src), "--output", str(out), "--chunk-size", "7",
                 "--quiet")
    assert res.exit_code == 2 and "--no-resume" in res.output and "chunk_size" in res.output
    res = invoke("analyze", "--input", str(src), "--output", str(out), "--chunk-size", "7",
                 "--no-resume", "--quiet")
    assert res.exit_code == 0 and len(pd.read_csv(out)) == 20
