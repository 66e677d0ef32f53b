"""Errors shared across affectlab (kept for existing imports): see `affectlab.core.errors`."""

from __future__ import annotations

from affectlab.core.errors import *  # noqa: F403
from affectlab.core.errors import __all__ as __all__  # noqa: F401
from affectlab.core.errors import closest, normalise  # noqa: F401
