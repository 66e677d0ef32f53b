"""`affectlab serve`: the REST API and the web page on one local port."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from affectlab.cli._output import console, fail


def serve_command(
    host: Annotated[str, typer.Option(
        help="Address to bind. 127.0.0.1 (this machine only) unless you mean to expose it.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
    token: Annotated[str | None, typer.Option(
        help="Require 'Authorization: Bearer <token>' on /v1 (or set AFFECTLAB_TOKEN).",
        show_default=False)] = None,
    max_body_mb: Annotated[float, typer.Option(min=0.01, help="Largest request body.")] = 20.0,
    max_batch: Annotated[int, typer.Option(min=1, help="Most texts in one request.")] = 256,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds of analysis per request "
                                                         "before a 504.")] = 60.0,
    cors_origin: Annotated[list[str] | None, typer.Option(
        help="Allow browser calls from this origin (repeat for more; CORS is off without).")
    ] = None,
) -> None:
    """Serve the REST API (/v1/text, /v1/audio, /v1/music, /v1/face, /v1/ontology, /healthz,
    /docs) and the web page (/) from one process."""
    try:
        import uvicorn

        from affectlab.serve.config import TOKEN_ENV, ServeConfig
    except ImportError:
        fail("affectlab serve needs the [serve] extra: pip install 'affectlab[serve]'")
    cfg = ServeConfig(host=host, port=port, workers=workers,
                      token=token or os.environ.get(TOKEN_ENV) or None, max_body_mb=max_body_mb,
                      max_batch=max_batch, timeout_s=timeout, cors_origins=list(cors_origin or []))
    if host not in ("127.0.0.1", "localhost", "::1") and not cfg.token:
        console.print(f"[yellow]serving on {host} without a token: anyone who can reach this "
                      "port can use it (--token or AFFECTLAB_TOKEN)[/yellow]")
    os.environ.update(cfg.to_env())
    console.print(f"affectlab on http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/ "
                  f"(API docs at /docs); Ctrl-C stops it")
    uvicorn.run("affectlab.serve.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")
