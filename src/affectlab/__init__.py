"""affectlab: recognise, represent, probe and steer emotion."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def analyze(texts: Any, scheme: str | None = None, **options: Any) -> Any:
    """Emotion of one text or many: see `affectlab.text.analyze.analyze` (imports torch lazily)."""
    from affectlab.text.analyze import analyze as _analyze

    return _analyze(texts, scheme, **options)
