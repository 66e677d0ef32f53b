"""`affectlab analyze-face`: faces in photos -> boxes, pose, action units, expression, V/A.

Exit codes: 0 every photo analysed (a photo without a face counts: its record says "no_face"),
1 the run finished but some files could not be read (each has its own status), 2 usage error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import (
    JsonOption,
    OutputOption,
    OverwriteOption,
    QuietOption,
    console,
    finish,
    gather,
    paths_argument,
    run_library,
    scheme_option,
    start,
)

_PATHS = paths_argument("Photos")
_SCHEME = scheme_option("fer7 (the model's own)")
# a face-free photo is analysed, not failed
OK_STATUSES = ("ok", "no_face")


def analyze_face_command(
    paths: _PATHS,
    scheme: _SCHEME = None,
    model: Annotated[Path | None, typer.Option(
        "--model", "-m", help="A saved face model folder (default: the shipped one).")] = None,
    detector: Annotated[str, typer.Option(
        help="auto (both BlazeFace models), short, full, haar, or whole (each image is one "
             "face crop).")] = "auto",
    landmarks: Annotated[bool, typer.Option(
        "--landmarks", help="Add the 478 landmark points (x, y, z) of each face.")] = False,
    max_faces: Annotated[int | None, typer.Option(
        "--max-faces", min=1, help="At most this many faces per photo (largest first).")] = None,
    draw: Annotated[Path | None, typer.Option(
        "--draw", help="Write each photo with boxes, landmarks and top label into this "
        "folder.")] = None,
    output: OutputOption = None,
    overwrite: OverwriteOption = False,
    top: Annotated[int, typer.Option(min=1, help="Labels shown per face in the table.")] = 3,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Every face in photos or folders: box, head pose, action units, expression, V/A."""
    from affectlab.face.analyze import analyze_faces
    from affectlab.face.image import IMAGE_SUFFIXES

    start(quiet=quiet, output=output, overwrite=overwrite, as_json=as_json)
    files = gather(paths, tuple(sorted(IMAGE_SUFFIXES)), "images", as_json)
    records = run_library(lambda: analyze_faces(
        files, scheme, model=model, detector=detector, landmarks=landmarks or draw is not None,
        max_faces=max_faces, output=output, overwrite=overwrite, draw=draw,
        progress=not as_json), as_json)
    if not landmarks and draw is not None:  # landmarks were only wanted for the drawings
        for r in records:
            r.pop("landmarks", None)
    finish(records, output=output, as_json=as_json, table=lambda rs: _table(rs, top),
           ok=OK_STATUSES)


def _table(records: Sequence[dict[str, Any]], top: int) -> None:
    table = Table(show_lines=False)
    for col in ("source", "face", "status", "top labels", "valence", "arousal", "yaw",
                "strongest AUs"):
        table.add_column(col)
    for r in records:
        probs = sorted(r["probs"].items(), key=lambda kv: -kv[1])[:top]
        labels = ", ".join(f"{k} {v:.2f}" for k, v in probs) if probs else (r["error"] or "")
        aus = sorted((r.get("action_units") or {}).items(), key=lambda kv: -kv[1])[:3]
        table.add_row(Path(r["source"] or "").name, "" if r.get("face") is None else
                      str(r["face"]), r["status"], labels, _fmt(r["valence"]),
                      _fmt(r["arousal"]), _fmt(r.get("yaw"), "{:+.0f}"),
                      ", ".join(f"{k} {v:.1f}" for k, v in aus if v > 0))
    console.print(table)


def _fmt(x: float | None, spec: str = "{:+.2f}") -> str:
    return "" if x is None else spec.format(x)


app = typer.Typer(help="Faces: plan an emotion's expression, draw it on a photo.",
                  no_args_is_help=True)


@app.command("plan")
def plan_command(
    emotion: Annotated[str | None, typer.Option(
        "--emotion", "-e", help="A node of the ontology, any scheme's label, or a word.")] = None,
    text: Annotated[str | None, typer.Option(
        "--text", help="A text: its emotions (text model) blend the primaries' plans.")] = None,
    intensity: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="0-1 (default: from the emotion's arousal).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The chain: emotion -> ontology path -> action units and muscles -> landmark motion."""
    from affectlab.cli._output import emit_json, fail

    if (emotion is None) == (text is None):
        fail("give --emotion or --text (one of them)", as_json=as_json)
    p = run_library(lambda: _plan(emotion, text, intensity), as_json)
    if as_json:
        emit_json(p.to_dict())
        raise typer.Exit(0)
    console.print(f"[bold]{p.emotion}[/bold]  path: {' -> '.join(p.path)}  "
                  f"intensity {p.intensity:.2f}")
    if len(p.blend) > 1:
        console.print("blend: " + ", ".join(f"{k} {v:.2f}" for k, v in p.blend.items()))
    table = Table()
    for col in ("unit", "name", "intensity (0-5)", "muscles"):
        table.add_column(col)
    from affectlab.face.plan import MUSCLES

    for u, a in p.units.items():
        table.add_row(u, MUSCLES[u][0], f"{a:.1f}", MUSCLES[u][1])
    console.print(table)
    if p.motion:
        console.print("expected motion (eye distances; + up / outwards): " + "; ".join(
            f"{k} up {v['up']:+.3f} out {v['outwards']:+.3f}" for k, v in p.motion.items()))
    console.print(f"[dim]{p.source}[/dim]")


def _plan(emotion: str | None, text: str | None, intensity: float | None) -> Any:
    from affectlab.face.plan import plan

    p = plan(emotion, text=text, intensity=intensity)
    try:
        from affectlab.face.motion import describe

        p.motion = describe(p.units)
    except FileNotFoundError:  # the motion model is not installed: the plan stands alone
        pass
    return p


@app.command("edit")
def edit_command(
    photo: Annotated[Path, typer.Argument(help="The photo to edit (never overwritten).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The edited photo (.png, .jpg).")],
    emotion: Annotated[str | None, typer.Option("--emotion", "-e")] = None,
    text: Annotated[str | None, typer.Option("--text")] = None,
    intensity: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.7,
    face: Annotated[int | None, typer.Option("--face", min=0,
                                             help="Which face (0 = the largest).")] = None,
    animate: Annotated[Path | None, typer.Option(
        "--animate", help="Also write neutral -> target as .gif or .mp4.")] = None,
    frames: Annotated[int, typer.Option(min=2, max=200)] = 12,
    exaggeration: Annotated[float, typer.Option(
        min=0.1, max=4.0, help="Above 1 draws a caricature, farther than real faces move.")] = 1.0,
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
) -> None:
    """Move a photo's face towards an emotion (landmarks by the plan, then a warp)."""
    from affectlab.cli._output import emit_json, fail

    if (emotion is None) == (text is None):
        fail("give --emotion or --text (one of them)", as_json=as_json)
    for target in (out, animate):
        if target is None:
            continue
        if target.resolve() == photo.resolve():
            fail(f"{target} is the input photo: choose another output", as_json=as_json)
        if target.exists() and not overwrite:
            fail(f"{target} already exists: pass --overwrite to replace it", as_json=as_json)
    if not photo.exists():
        fail(f"no such photo: {photo}", as_json=as_json)

    def run() -> dict[str, Any]:
        from affectlab.face.draw import save_image
        from affectlab.face.edit import animate as make_frames
        from affectlab.face.edit import edit_face, save_animation

        e = edit_face(photo, emotion, intensity=intensity, text=text, face=face,
                      exaggeration=exaggeration)
        save_image(e.rgb, out)
        info = {"source": str(photo), "out": str(out), "emotion": e.plan.emotion,
                "intensity": intensity, "exaggeration": exaggeration, "units": e.plan.units}
        if animate is not None:
            save_animation(make_frames(photo, emotion, frames=frames, intensity=intensity,
                                       text=text, face=face, exaggeration=exaggeration),
                           animate)
            info["animation"] = str(animate)
        return info

    info = run_library(run, as_json)
    if as_json:
        emit_json(info)
    else:
        console.print(f"wrote {out}" + (f" and {animate}" if animate else ""))
