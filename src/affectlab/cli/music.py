"""`affectlab analyze-music`, `affectlab compose` and `affectlab music attributes`: emotion in
symbolic music."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import console, emit_json, fail
from affectlab.errors import UnknownNameError

app = typer.Typer(help="Symbolic music: attributes, emotion recognition and composition.",
                  no_args_is_help=True)

_MODEL_HELP = "A music model folder (default: the shipped one)."
_MISSING = ("the music extra is not installed: pip install 'affectlab[music]' "
            "(pretty_midi, music21)")


def _music():
    try:
        from affectlab import music
    except ModuleNotFoundError as err:
        raise RuntimeError(f"{_MISSING} ({err})") from err
    return music


def analyze_music_command(
    file: Annotated[Path, typer.Argument(help="A MIDI file (.mid/.midi).", show_default=False)],
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Valence, arousal and quadrant of a MIDI piece, per piece, per bar and per second."""
    try:
        music = _music()
        result = music.analyze_music(file, str(model) if model else None)
    except (RuntimeError, FileNotFoundError, ValueError) as err:
        reason = getattr(err, "reason", None)
        fail(f"{err}" + (f" [{reason}]" if reason else ""), as_json=as_json)
    if as_json:
        emit_json(result)
        return
    console.print(f"[bold]{file}[/]: {result['seconds']} s, {result['bars']} bars, "
                  f"{result['notes']} notes, tempo {result['tempo']}"
                  + (f"  flags: {', '.join(result['flags'])}" if result["flags"] else ""))
    console.print(f"valence {result['valence']:+.2f}  arousal {result['arousal']:+.2f}  "
                  f"quadrant [bold]{result['quadrant']}[/]")
    table = Table("attribute", "value")
    for name, value in result["attributes"].items():
        table.add_row(name, "-" if value is None else f"{value:.3g}")
    console.print(table)
    curve = Table("bar", "start s", "valence", "arousal")
    for row in result["per_bar"]:
        curve.add_row(str(row["bar"]), f"{row['start']:.1f}", f"{row['valence']:+.2f}",
                      f"{row['arousal']:+.2f}")
    console.print(curve)


def compose_command(
    emotion: Annotated[str, typer.Option("--emotion", "-e", help="An emotion (joy, fear, "
                                         "sadness, tenderness, ...), a quadrant "
                                         "(positive-high, ...) or Q1-Q4.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The MIDI file to write.")],
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Write a piano piece for an emotion (emotion -> attributes -> music)."""
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it", as_json=as_json)
    overrides: dict[str, int] = {}
    for item in attribute or []:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            fail(f"--attribute expects NAME=BUCKET (e.g. note_density=2), got {item!r}",
                 as_json=as_json)
        overrides[name.strip()] = int(value)
    try:
        result: dict[str, Any] = _music().compose(
            emotion, bars, out, seed=seed, temperature=temperature, top_p=top_p,
            attributes=overrides, model=str(model) if model else None, candidates=candidates)
    except (UnknownNameError, RuntimeError, FileNotFoundError, ValueError) as err:
        fail(str(err), as_json=as_json)
    result.pop("_notes", None)
    if as_json:
        emit_json(result)
        return
    console.print(f"wrote [bold]{result['out']}[/]: {result['bars']} bars, {result['notes']} "
                  f"notes, tempo {result['tempo']} ({result['quadrant']})")


@app.command("attributes")
def attributes_command(
    file: Annotated[Path, typer.Argument(help="A MIDI file.", show_default=False)],
    per: Annotated[str, typer.Option(help="piece, bar or second.")] = "piece",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The emotion-relevant attributes of a MIDI file, per piece, bar or second."""
    if per not in ("piece", "bar", "second"):
        fail(f"--per must be piece, bar or second, got {per!r}", as_json=as_json)
    try:
        music = _music()
        score = music.load_midi(file)
    except (RuntimeError, ValueError) as err:
        fail(str(err), as_json=as_json)
    if per == "piece":
        rows = [music.piece_attributes(score)]
    else:
        frame = music.bar_attributes(score) if per == "bar" else music.second_attributes(score)
        rows = frame.to_dict("records")
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in rows]  # NaN -> null
    if as_json:
        emit_json({"file": str(file), "per": per, "flags": score.flags, "rows": rows})
        return
    table = Table(*rows[0].keys())
    for r in rows:
        table.add_row(*("-" if v is None else f"{v:.3g}" for v in r.values()))
    console.print(table)


app.command("analyze")(analyze_music_command)
app.command("compose")(compose_command)
