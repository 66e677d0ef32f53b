"""Old home of the array bundles: now `affectlab.core.files.save_bundle` / `load_bundle` (a
missing bundle raises `ModelNotFoundError`, a `FileNotFoundError`). Kept for old imports."""

from affectlab.core.files import load_bundle, save_bundle

__all__ = ["load_bundle", "save_bundle"]
