"""Serve affectlab over HTTP: a REST API for every modality (text, audio, music, faces) that
answers with the shared result record, and a web page, all from one process.

    affectlab serve                      # http://127.0.0.1:8000, the page at /
    >>> from affectlab.serve import create_app, ServeConfig

Needs the `[serve]` extra (FastAPI, uvicorn, python-multipart).
"""

from __future__ import annotations

from affectlab.core.lazy import by_module, lazy_attributes

_NAMES = by_module({
    "affectlab.serve.config": ["ServeConfig"],
    "affectlab.serve.app": ["create_app"],
})
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
__all__ = ["ServeConfig", "create_app"]
