"""The body-size limit as plain ASGI middleware: a declared Content-Length over the limit is
refused before anything is read, and a body that grows past it while streaming (chunked
uploads) is cut off, so no request can make the server hold more than the limit."""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes the limit."""


class BodyLimit:
    """Answer 413 to any request whose body is larger than `max_body` bytes."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                await _answer(send, 400, "bad-request", "the Content-Length header is not a "
                                                        "number")
                return
            if too_big:
                await _answer(send, 413, "body-too-large", self._message(int(declared)))
                return
        seen = 0
        state = {"exceeded": False, "answered": False}

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    state["exceeded"] = True
                    raise BodyTooLarge
            return message

        async def tracked(message: Any) -> None:
            # whatever the app answers to a body cut short (a parse error), the client gets 413
            if state["exceeded"]:
                if not state["answered"]:
                    state["answered"] = True
                    await _answer(send, 413, "body-too-large", self._message(seen))
                return
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not state["answered"]:
                state["answered"] = True
                await _answer(send, 413, "body-too-large", self._message(seen))

    def _message(self, size: int) -> str:
        return (f"the request body is {size:,} bytes or more; the limit is "
                f"{self.max_body:,} bytes")


async def _answer(send: Any, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
