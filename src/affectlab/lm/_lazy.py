"""Moved to `affectlab.core.lazy` (shared by every package); this path still works."""

from affectlab.core.lazy import by_module, lazy_attributes

__all__ = ["by_module", "lazy_attributes"]
