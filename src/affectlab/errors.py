"""Errors shared across affectlab (kept for existing imports): see `affectlab.core.errors`."""

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
    closest,
    normalise,
)

__all__ = ["AffectlabError", "InputError", "ManifestError", "MediaError", "MissingBackendError",
           "ModelNotFoundError", "NotFittedError", "OutputExistsError", "OutputLockedError",
           "ResumeMismatchError", "UnknownNameError", "closest", "normalise"]
