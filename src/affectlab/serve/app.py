"""The FastAPI application: `/v1/text`, `/v1/audio`, `/v1/music`, `/v1/face`, `/v1/video`,
`/v1/ontology`, `/healthz`, the OpenAPI docs, and the web page at `/`.

Every answer is JSON: the shared result records (`{"records": [...]}`) or an error
`{"error": {"status", "code", "message"}}`. Uploads are read into memory (bounded by the body
limit) and handed to the decoders through a private temporary folder under a name the server
chooses; nothing the client sends is ever used as a path.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import tempfile
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from affectlab import __version__
from affectlab.serve.config import ServeConfig
from affectlab.serve.limits import BodyLimit
from affectlab.serve.models import Models

ASSETS = {"": ("index.html", "text/html; charset=utf-8"),
          "index.html": ("index.html", "text/html; charset=utf-8"),
          "app.js": ("app.js", "text/javascript; charset=utf-8"),
          "style.css": ("style.css", "text/css; charset=utf-8")}
SUFFIXES = {"audio": (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3"),
            "music": (".mid", ".midi"),
            "face": (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"),
            "video": (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")}


class ApiError(Exception):
    """An answer other than 2xx: HTTP status, a short machine code, a sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TextRequest(BaseModel):
    """One text (`text`) or a batch (`texts`), and the scheme of the answer."""

    text: str | None = Field(None, description="One text.")
    texts: list[Any] | None = Field(None, description="A batch of texts, answered in order.")
    scheme: str | None = Field(None, description="Any scheme of the ontology (default: the "
                                                 "model's own, GoEmotions-28).")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The one error shape."""
    return JSONResponse({"error": {"status": status, "code": code, "message": message}},
                        status_code=status)


def create_app(config: ServeConfig | None = None, models: Models | None = None) -> FastAPI:
    """The service for `config` (defaults: localhost limits, no token, CORS off)."""
    cfg = config or ServeConfig()
    models = models or Models(cfg.text_model)
    app = FastAPI(title="affectlab", version=__version__,
                  description="Emotion in text, speech, music and faces, as one result record.")
    app.state.config, app.state.models = cfg, models
    app.add_middleware(BodyLimit, max_body=cfg.max_body)
    if cfg.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cfg.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Authorization",
                                                                         "Content-Type"])
    _handlers(app)
    auth = Depends(_auth(cfg))

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """Liveness: the version and which models are loaded."""
        return {"status": "ok", "version": __version__, "loaded": models.loaded(),
                "token_required": bool(cfg.token)}

    @app.post("/v1/text", tags=["analyse"], dependencies=[auth])
    async def text(body: TextRequest, request: Request) -> JSONResponse:
        """Emotion of one text or a batch (the shared record per text, in order)."""
        _need_json(request)
        if (body.text is None) == (body.texts is None):
            raise ApiError(422, "bad-request", "give exactly one of 'text' and 'texts'")
        texts = [body.text] if body.texts is None else body.texts
        if not texts:
            raise ApiError(422, "empty-batch", "'texts' is empty")
        if len(texts) > cfg.max_batch:
            raise ApiError(413, "batch-too-large",
                           f"{len(texts)} texts in one request; the limit is {cfg.max_batch}")
        long = [i for i, t in enumerate(texts) if isinstance(t, str)
                and len(t) > cfg.max_text_chars]
        if long:
            raise ApiError(413, "text-too-long", f"text {long[0]} has {len(texts[long[0]]):,} "
                           f"characters; the limit is {cfg.max_text_chars:,}")
        records = await _timed(cfg, lambda: models.text(texts, body.scheme))
        return JSONResponse({"records": records})  # plain JSON: records are JSON-ready

    def upload_route(kind: str, analyse: Callable[[Path, str | None, str], Any]) -> None:
        upload = File(description=f"The {kind} file.")  # one per route: its own description

        async def route(file: UploadFile = upload,
                        scheme: Annotated[str | None, Form()] = None) -> JSONResponse:
            data = await file.read()
            source = _safe_name(file.filename, kind)
            suffix = Path(source).suffix.lower()
            if suffix not in SUFFIXES[kind]:
                raise ApiError(415, "unsupported-format",
                               f"{source!r}: a {kind} upload is one of "
                               f"{', '.join(SUFFIXES[kind])}")
            if not data:
                raise ApiError(422, "empty-file", f"{source!r} is empty")

            def run() -> dict[str, Any]:
                with tempfile.TemporaryDirectory(prefix="affectlab-upload-") as tmp:
                    path = Path(tmp) / f"upload{suffix}"
                    path.write_bytes(data)
                    answer = analyse(path, scheme, source)
                body = answer if isinstance(answer, dict) else {"records": answer}
                # the private folder's name means nothing to the client: say the upload's
                body["records"] = [{**r, "error": r["error"].replace(str(path), source)}
                                   if isinstance(r.get("error"), str) else r
                                   for r in body["records"]]
                return body

            return JSONResponse(await _timed(cfg, run))

        route.__doc__ = f"Emotion of one uploaded {kind} file (multipart field 'file')."
        app.post(f"/v1/{kind}", tags=["analyse"], dependencies=[auth],
                 name=f"analyse_{kind}")(route)

    upload_route("audio", models.audio)
    upload_route("music", _music(models))
    upload_route("face", models.face)
    upload_route("video", models.video)

    @app.get("/v1/ontology", tags=["ontology"], dependencies=[auth])
    def ontology_index() -> dict[str, Any]:
        """The primary emotions, every node by tier, and the label schemes."""
        from affectlab import ontology

        o = ontology.load()
        tiers: dict[str, list[str]] = {}
        for n in o.nodes.values():
            tiers.setdefault(n.tier_name, []).append(n.name)
        return {"tiers": tiers, "schemes": sorted(ontology.schemes())}

    @app.get("/v1/ontology/{name}", tags=["ontology"], dependencies=[auth])
    def ontology_node(name: str) -> dict[str, Any]:
        """One emotion: tier, definition, V/A/D, vocabulary, path to its primary, relations."""
        from affectlab import ontology
        from affectlab.core.errors import UnknownNameError

        o = ontology.load()
        try:
            node = o.node(name)
        except UnknownNameError as exc:
            raise ApiError(404, "unknown-emotion", str(exc)) from None
        return {**node.to_dict(), "path": o.path(node.name),
                "relations": [r.to_dict() for r in o.related(node.name)]}

    @app.get("/", include_in_schema=False)
    @app.get("/{asset}", include_in_schema=False)
    def page(asset: str = "") -> Response:
        if asset not in ASSETS:
            raise ApiError(404, "not-found", f"no page or asset {asset!r}")
        name, media = ASSETS[asset]
        body = resources.files("affectlab.serve").joinpath("static", name).read_bytes()
        return Response(body, media_type=media,
                        headers={"Cache-Control": "no-cache",
                                 "Content-Security-Policy": "default-src 'self'; "
                                 "img-src 'self' data: blob:; connect-src 'self' blob:; style-src 'self'"})

    return app


def _music(models: Models) -> Callable[[Path, str | None, str], Any]:
    def run(path: Path, scheme: str | None, source: str) -> list[dict[str, Any]]:
        from affectlab.core.records import failed_record
        from affectlab.music.midi import MusicError

        try:
            return models.music(path, scheme, source)
        except MusicError as exc:
            return [failed_record(source, "music", exc.reason, str(exc), scheme=scheme)]

    return run


def _safe_name(filename: str | None, kind: str) -> str:
    """The upload's base name for the record's `source` (never a path on this machine)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(". ") or f"upload.{kind}"
    return base[:200]


def _need_json(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported-media-type",
                       f"send JSON (Content-Type: application/json), not {kind or 'nothing'}")


async def _timed(cfg: ServeConfig, work: Callable[[], Any]) -> Any:
    from affectlab.core.errors import InputError, UnknownNameError

    try:
        return await asyncio.wait_for(run_in_threadpool(work), timeout=cfg.timeout_s)
    except TimeoutError:
        raise ApiError(504, "timeout", f"the analysis took longer than {cfg.timeout_s:g} s; "
                       "send less per request") from None
    except UnknownNameError as exc:
        raise ApiError(422, "unknown-name", str(exc)) from None
    except (InputError, ValueError) as exc:
        raise ApiError(422, "bad-input", str(exc)) from None


def _auth(cfg: ServeConfig) -> Callable[[Request], Awaitable[None]]:
    async def check(request: Request) -> None:
        if not cfg.token:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                                 cfg.token.encode()):
            raise ApiError(401, "unauthorised", "a valid 'Authorization: Bearer <token>' "
                           "header is required")

    return check


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        response = error_response(exc.status, exc.code, exc.message)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return error_response(415, "unsupported-media-type",
                                      f"send JSON (Content-Type: application/json), not "
                                      f"{kind or 'nothing'}")
            return error_response(400, "malformed-json", "the body is not valid JSON")
        if request.url.path in ("/v1/text",):
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return error_response(415, "unsupported-media-type",
                                      f"send JSON (Content-Type: application/json), not "
                                      f"{kind or 'nothing'}")
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                          for e in errors[:5])
        return error_response(422, "invalid-request", where)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}
        return error_response(exc.status_code, codes.get(exc.status_code, "http-error"),
                              str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal-error",
                              f"{type(exc).__name__}: the server could not answer this request")


def app_from_env() -> FastAPI:
    """The app for uvicorn's worker processes (settings from the environment)."""
    return create_app(ServeConfig.from_env())


__all__ = ["ApiError", "TextRequest", "app_from_env", "create_app", "error_response"]
