"""`affectlab analyze-video`: an emotion timeline from clips (faces, voice, words, fused).

Exit codes: 0 every clip analysed (a clip without a face, sound or speech counts: its missing
modalities are marked absent), 1 some clips could not be read (each has its status row),
2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from affectlab.cli._output import (
    JsonOption,
    OverwriteOption,
    QuietOption,
    check_output,
    console,
    emit_json,
    fail,
    gather,
    paths_argument,
    run_library,
)

_PATHS = paths_argument("Video clips")
TABLES = (".parquet", ".csv", ".jsonl")


def analyze_video_command(
    paths: _PATHS,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The timeline: .parquet, .csv or .jsonl (resumable).")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="A PNG of the timeline (one per clip: the clip's name is added when "
        "there are several).")] = None,
    fps: Annotated[float, typer.Option(min=0.1, max=30.0, help="Time steps per second.")] = 2.0,
    modalities: Annotated[str, typer.Option(
        help="Comma-separated: face, voice, text.")] = "face,voice,text",
    scheme: Annotated[str, typer.Option(
        "--scheme", "-s", help="The labels every modality answers in.")] = "ekman7",
    subtitles: Annotated[Path | None, typer.Option(
        help="An .srt or .vtt file for the text (default: one beside the clip, else speech "
        "recognition).")] = None,
    transcribe: Annotated[bool, typer.Option(
        "--transcribe/--no-transcribe", help="Recognise speech when no subtitles are found.")
    ] = True,
    fusion: Annotated[str, typer.Option(
        help="mean, product or reliability (each modality weighted by its confidence).")
    ] = "reliability",
    agreeing_only: Annotated[bool, typer.Option(
        "--agreeing-only", help="Keep only the time steps where at least two modalities agree "
        "on the top label (confident labels for unlabeled clips).")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain/--no-explain", help="Add the action units and words that carried each "
        "step's decision.")] = True,
    embeddings: Annotated[bool, typer.Option(
        "--embeddings", help="Add each modality's feature vector per step (face_embedding, "
        "voice_embedding, text_embedding; for contrastive learning; use .parquet or .jsonl)."
    )] = False,
    overwrite: OverwriteOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Frames, faces, voice and words of clips on one time axis, with a fused estimate."""
    from affectlab.video.decode import VIDEO_SUFFIXES

    if quiet:
        from affectlab.core.progress import set_quiet

        set_quiet(True)
    check_output(output, overwrite, TABLES, as_json=as_json)
    chosen = [m.strip() for m in modalities.split(",") if m.strip()]
    if subtitles is not None and not subtitles.is_file():
        fail(f"no such subtitle file: {subtitles}", as_json=as_json)
    files = gather(paths, tuple(sorted(VIDEO_SUFFIXES)), "video clips", as_json)
    if subtitles is not None and len(files) > 1:
        fail("--subtitles belongs to one clip: give one clip, or put clip.srt beside each",
             as_json=as_json)

    def run() -> Any:
        from affectlab.video.timeline import analyze_videos

        return analyze_videos(files, output=output, overwrite=overwrite, progress=not as_json,
                              agreeing_only=agreeing_only, fps=fps, modalities=chosen,
                              scheme=scheme, subtitles=subtitles, transcribe=transcribe,
                              fusion=fusion, explain=explain, embeddings=embeddings)

    table = run_library(run, as_json)
    plots = _plots(table, plot, as_json) if plot is not None and len(table) else []
    failed = table[table["status"] != "ok"].drop_duplicates("source")
    summary = _summary(table)
    if as_json:
        emit_json({"clips": summary, "output": None if output is None else str(output),
                   "plots": [str(p) for p in plots]})
    else:
        _print(summary)
        if output is not None:
            console.print(f"wrote {len(table):,} rows to {output}")
        for p in plots:
            console.print(f"wrote {p}")
    raise typer.Exit(1 if len(failed) else 0)


def _summary(table: Any) -> list[dict[str, Any]]:
    out = []
    for source, rows in table.groupby("source", sort=False):
        status = rows["status"].iloc[0]
        info: dict[str, Any] = {"source": source, "status": status, "steps": len(rows)}
        if status != "ok":
            info["error"] = rows["error"].iloc[0] if "error" in rows else None
        else:
            for m in ("face", "voice", "text"):
                if f"{m}_present" in rows:
                    info[f"{m}_present_share"] = round(float(rows[f"{m}_present"].mean()), 3)
            tops = rows["fused_top"].dropna()
            info["most_often"] = tops.mode().iloc[0] if len(tops) else None
            info["mean_valence"] = _round(rows["fused_valence"].mean())
        out.append(info)
    return out


def _round(x: float) -> float | None:
    import math

    return None if math.isnan(x) else round(float(x), 3)


def _print(summary: list[dict[str, Any]]) -> None:
    t = Table()
    for col in ("clip", "status", "steps", "face", "voice", "text", "most often", "valence"):
        t.add_column(col)
    for s in summary:
        share = [f"{s[k]:.0%}" if k in s else "" for k in
                 ("face_present_share", "voice_present_share", "text_present_share")]
        t.add_row(Path(s["source"]).name, s["status"] if s["status"] == "ok" else
                  f"{s['status']}: {s.get('error') or ''}", str(s["steps"]), *share,
                  s.get("most_often") or "", "" if s.get("mean_valence") is None else
                  f"{s['mean_valence']:+.2f}")
    console.print(t)


def _plots(table: Any, plot: Path, as_json: bool) -> list[Path]:
    from affectlab.video.plot import plot_timeline

    ok = table[table["status"] == "ok"]
    sources = list(dict.fromkeys(ok["source"]))
    out = []
    for source in sources:
        target = plot if len(sources) == 1 else plot.with_name(
            f"{plot.stem}-{Path(source).stem}{plot.suffix or '.png'}")
        out.append(run_library(lambda s=source, t=target: plot_timeline(
            ok[ok["source"] == s], t), as_json))
    return out
