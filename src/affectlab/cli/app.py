"""The `affectlab` command: one typer app with a sub-command group per module."""

from __future__ import annotations

from typing import Annotated

import typer

from affectlab import __version__
from affectlab.cli import circuits as _circuits
from affectlab.cli import codebook as _codebook
from affectlab.cli import datasets as _datasets
from affectlab.cli import face as _face
from affectlab.cli import lm as _lm
from affectlab.cli import music as _music
from affectlab.cli import ontology as _ontology
from affectlab.cli import speech as _speech
from affectlab.cli import text as _text
from affectlab.cli.analyze import analyze_command as _analyze
from affectlab.cli.demo import demo as _demo
from affectlab.cli.serve import serve_command as _serve
from affectlab.cli.video import analyze_video_command as _analyze_video

app = typer.Typer(
    name="affectlab",
    help="Recognise, represent, probe and steer emotion.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"affectlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars (also: "
                                        "AFFECTLAB_QUIET=1).")] = False,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="Threads for torch and BLAS (default: the cores not busy with "
        "other work; also AFFECTLAB_THREADS).")] = None,
) -> None:
    """Recognise, represent, probe and steer emotion.

    Exit codes: 0 every input analysed, 1 some inputs failed (each with its status in the
    output), 2 usage error."""
    from affectlab.core.progress import set_quiet

    set_quiet(True if quiet else None)  # per invocation: AFFECTLAB_QUIET decides otherwise
    from affectlab.core.threads import configure_threads

    try:
        configure_threads(threads)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err


app.add_typer(_ontology.app, name="ontology")
app.add_typer(_datasets.app, name="datasets")
app.add_typer(_text.app, name="text")
app.add_typer(_lm.app, name="lm")
app.add_typer(_circuits.app, name="circuits")
app.add_typer(_speech.app, name="speech")
app.add_typer(_face.app, name="face")
app.add_typer(_codebook.app, name="codebook")
app.add_typer(_music.app, name="music")
app.command("probe")(_lm.probe_command)
app.command("generate")(_lm.generate_command)
app.command("steer")(_circuits.steer_command)
app.command("analyze")(_analyze)
app.command("analyze-audio")(_speech.analyze_audio_command)
app.command("analyze-music")(_music.analyze_music_command)
app.command("analyze-face")(_face.analyze_face_command)
app.command("analyze-video")(_analyze_video)
app.command("compose")(_music.compose_command)
app.command("demo")(_demo)
app.command("serve")(_serve)
