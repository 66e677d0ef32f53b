"""`affectlab analyze-music`, `affectlab compose` and `affectlab music attributes`: emotion in
symbolic music."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli import _output as ui
from affectlab.core.errors import MissingBackendError

app = typer.Typer(help="Symbolic music: attributes, emotion recognition and composition.",
                  no_args_is_help=True)

_MODEL_HELP = "A music model folder (default: the shipped one)."
_MISSING = ("the music extra is not installed: pip install 'affectlab[music]' "
            "(pretty_midi, music21)")
#: What a library call may raise on purpose; the CLI prints it as one line and exits with 2.
MIDI_INPUTS = (".mid", ".midi", ".kar")


def _music() -> Any:
    try:
        from affectlab import music
    except ModuleNotFoundError as err:
        raise MissingBackendError(f"{_MISSING} ({err})") from err
    return music


_PATHS = ui.paths_argument("MIDI files (.mid/.midi)")
_SCHEME = ui.scheme_option("russell4 (the quadrants)")


def analyze_music_command(
    paths: _PATHS,
    scheme: _SCHEME = None,
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    output: ui.OutputOption = None,
    overwrite: ui.OverwriteOption = False,
    as_json: ui.JsonOption = False,
    quiet: ui.QuietOption = False,
) -> None:
    """Valence, arousal and quadrant of MIDI pieces, per piece, per bar and per second.

    Exit codes: 0 all analysed, 1 some not (each record's status says why), 2 usage error."""
    ui.start(quiet=quiet, output=output, overwrite=overwrite, as_json=as_json)
    files = ui.gather(paths, MIDI_INPUTS, "MIDI files", as_json)

    def analyze() -> list[dict[str, Any]]:
        music = _music()
        from affectlab.music.analyze import target_scheme

        target = target_scheme(scheme)  # an unknown scheme fails before any work
        return music.analyze_music(files, target, model=model, output=output,
                                   overwrite=overwrite, progress=not as_json)

    records = ui.run_library(analyze, as_json)
    ui.finish(records, output=output, as_json=as_json, table=_show)


def _show(records: Sequence[dict[str, Any]]) -> None:
    """People's view: one file in detail (attributes, bars), several as a table."""
    if len(records) == 1 and records[0]["status"] == "ok":
        _detail(records[0])
        return
    table = Table()
    for name in ("file", "status", "top", "p", "valence", "arousal", "flags"):
        table.add_column(name, overflow="fold")  # names whole, even in a narrow terminal
    for r in records:
        p = r["probs"].get(r["top"]) if r["top"] else None
        table.add_row(Path(str(r["source"])).name, r["status"], r["top"] or "-",
                      _num(p, "{:.2f}"), _num(r["valence"]), _num(r["arousal"]),
                      ", ".join(r.get("flags") or []))
    ui.console.print(table)


def _detail(r: dict[str, Any]) -> None:
    ui.console.print(f"[bold]{r['source']}[/]: {r['seconds']:.1f} s, {r['bars']} bars, "
                  f"{r['notes']} notes, tempo {r['tempo']:.1f}"
                  + (f"  flags: {', '.join(r['flags'])}" if r["flags"] else ""), highlight=False)
    probs = ", ".join(f"{k} {v:.2f}" for k, v in sorted(r["probs"].items(), key=lambda kv: -kv[1]))
    ui.console.print(f"valence {_num(r['valence'])}  arousal {_num(r['arousal'])}  quadrant "
                  f"[bold]{r['quadrant']}[/]  ({r['scheme']}: {probs})", highlight=False)
    table = Table("attribute", "value")
    for name, value in r["attributes"].items():
        table.add_row(name, _num(value, "{:.3g}"))
    ui.console.print(table)
    curve = Table("bar", "start s", "valence", "arousal")
    for row in r["per_bar"]:
        curve.add_row(str(row["bar"]), f"{row['start']:.1f}", _num(row["valence"]),
                      _num(row["arousal"]))
    ui.console.print(curve)


def _num(value: Any, fmt: str = "{:+.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def compose_command(
    emotion: Annotated[str, typer.Option("--emotion", "-e", help="An emotion (joy, fear, "
                                         "sadness, tenderness, ...), a quadrant "
                                         "(positive-high, ...) or Q1-Q4.")],
    out: Annotated[Path, typer.Option("--out", "--output", "-o",
                                      help="The MIDI file to write.")],
    bars: Annotated[int, typer.Option(min=1, max=256, help="Length in bars (4/4).")] = 16,
    seed: Annotated[int | None, typer.Option(help="Random seed (repeatable output).")] = None,
    temperature: Annotated[float, typer.Option(min=0.05, max=5.0)] = 1.0,
    top_p: Annotated[float, typer.Option(min=0.05, max=1.0)] = 0.95,
    attribute: Annotated[list[str] | None, typer.Option(
        "--attribute", "-a", help="Override one control bucket, e.g. note_density=2 "
        "(0 low, 1 mid, 2 high); repeatable.")] = None,
    candidates: Annotated[int, typer.Option(
        min=1, max=64, help="Write this many and keep the one whose attributes match best.")] = 1,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file.")] = False,
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    as_json: ui.JsonOption = False,
) -> None:
    """Write a piano piece for an emotion (emotion -> attributes -> music)."""
    if out.exists() and not overwrite:
        ui.fail(f"{out} exists; pass --overwrite to replace it", as_json=as_json)
    overrides: dict[str, int] = {}
    for item in attribute or []:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            ui.fail(f"--attribute expects NAME=BUCKET (e.g. note_density=2), got {item!r}",
                 as_json=as_json)
        overrides[name.strip()] = int(value)
    result: dict[str, Any] = ui.run_library(lambda: _music().compose(
        emotion, bars, out, seed=seed, temperature=temperature, top_p=top_p,
        attributes=overrides, model=str(model) if model else None, candidates=candidates),
        as_json)
    result.pop("_notes", None)
    if as_json:
        ui.emit_json(result)
        return
    ui.console.print(f"wrote [bold]{result['out']}[/]: {result['bars']} bars, {result['notes']} "
                  f"notes, tempo {result['tempo']} ({result['quadrant']})")


@app.command("attributes")
def attributes_command(
    file: Annotated[Path, typer.Argument(help="A MIDI file.", show_default=False)],
    per: Annotated[str, typer.Option(help="piece, bar or second.")] = "piece",
    as_json: ui.JsonOption = False,
) -> None:
    """The emotion-relevant attributes of a MIDI file, per piece, bar or second."""
    if per not in ("piece", "bar", "second"):
        ui.fail(f"--per must be piece, bar or second, got {per!r}", as_json=as_json)
    music = ui.run_library(_music, as_json)
    score = ui.run_library(lambda: music.load_midi(file), as_json)
    if per == "piece":
        rows = [music.piece_attributes(score)]
    else:
        frame = music.bar_attributes(score) if per == "bar" else music.second_attributes(score)
        rows = frame.to_dict("records")
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in rows]  # NaN -> null
    if as_json:
        ui.emit_json({"file": str(file), "per": per, "flags": score.flags, "rows": rows})
        return
    table = Table(*rows[0].keys())
    for r in rows:
        table.add_row(*("-" if v is None else f"{v:.3g}" for v in r.values()))
    ui.console.print(table)


app.command("analyze")(analyze_music_command)
app.command("compose")(compose_command)
