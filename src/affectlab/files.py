"""Atomic file writes (kept for existing imports): see `affectlab.core.files`."""

from __future__ import annotations

from affectlab.core.files import *  # noqa: F403
from affectlab.core.files import __all__ as __all__  # noqa: F401
