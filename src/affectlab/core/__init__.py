"""The shared core every modality builds on; it imports no modality.

- `errors`: one hierarchy rooted at `AffectlabError`.
- `files`: atomic writes, JSON, safetensors arrays and bundles.
- `manifest`: the one saved-model manifest (`affectlab.json`) every model writes and reads.
- `records`: the one result record every analyser returns, with one rounding rule.
- `tables`: CSV / JSONL / Parquet readers and writers, resumable annotation of big files.
- `progress`: one progress helper with one off switch (`--quiet`, AFFECTLAB_QUIET).
- `plots`: lazy headless matplotlib, `save_figure`, one confusion-matrix plot.
"""

from __future__ import annotations

from affectlab.core.errors import (
    AffectlabError,
    InputError,
    ManifestError,
    MediaError,
    MissingBackendError,
    ModelNotFoundError,
    NotFittedError,
    OutputExistsError,
    OutputLockedError,
    ResumeMismatchError,
    UnknownNameError,
)

__all__ = ["AffectlabError", "InputError", "ManifestError", "MediaError", "MissingBackendError",
           "ModelNotFoundError", "NotFittedError", "OutputExistsError", "OutputLockedError",
           "ResumeMismatchError", "UnknownNameError"]
