"""One error hierarchy for affectlab, rooted at `AffectlabError`, so a caller can catch every
failure the library reports on purpose with one `except` (and still by its built-in kind)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AffectlabError(Exception):
    """Base of every error affectlab raises on purpose (bad input, missing model, ...)."""


class UnknownNameError(AffectlabError, ValueError, KeyError):
    """A label, scheme, node, column or dataset name that does not exist.

    The message lists the closest valid names and (when short enough) all valid names, so a typo
    at the command line or in a script is fixed in one look. `aliases` widen the suggestions
    without being listed; `listing` names the list ("Valid <listing>: ...", default "<kind>s");
    `hint` says where to look when the list is too long to print.
    """

    def __init__(self, kind: str, name: str, valid: Iterable[str], *, context: str = "",
                 aliases: Iterable[str] = (), listing: str | None = None, hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(set(valid))
        pool = sorted(set(self.valid) | set(aliases))  # aliases help suggest, not listed
        self.suggestions = closest(str(name), pool)
        where = f" in {context}" if context else ""
        parts = [f"unknown {kind} {name!r}{where}."]
        if self.suggestions:
            parts.append("Did you mean: " + ", ".join(self.suggestions) + "?")
        if len(self.valid) <= 60:
            parts.append(f"Valid {listing or kind + 's'}: " + ", ".join(self.valid) + ".")
        else:
            parts.append(f"{len(self.valid)} valid {listing or kind + 's'}.")
        if hint:
            parts.append(hint)
        self.message = " ".join(parts)
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


class NotFittedError(AffectlabError, ValueError, AttributeError):
    """An estimator used before `fit()` or `load()`; the same bases as scikit-learn's
    NotFittedError (ValueError, AttributeError), without importing scikit-learn."""

    def __init__(self, what: object, hint: str = "call fit() or load() first") -> None:
        name = what if isinstance(what, str) else type(what).__name__
        super().__init__(f"this {name} is not fitted: {hint}")


class ModelNotFoundError(AffectlabError, FileNotFoundError):
    """A saved model (or its packaged default) that is not where it was looked for."""


class MissingBackendError(AffectlabError, ImportError):
    """An optional backend (an extra such as `affectlab[speech]`) is not installed."""


class ManifestError(AffectlabError, ValueError):
    """A saved-model folder whose manifest is missing, of another kind, or of a newer format."""


class InputError(AffectlabError, ValueError):
    """One input (a file, a text, a row) that cannot be analysed; `reason` is its status name."""

    def __init__(self, message: str, reason: str = "error") -> None:
        super().__init__(message)
        self.reason = reason


class MediaError(InputError):
    """A media file (audio, MIDI, image, video) that cannot be read; `reason` names why."""


class OutputExistsError(AffectlabError, FileExistsError):
    """An output file is already there and replacing it was not asked for."""


class ResumeMismatchError(AffectlabError, RuntimeError):
    """Work left by an earlier run does not belong to this input or these settings."""


class OutputLockedError(AffectlabError, RuntimeError):
    """Another run is writing the same output right now."""


def closest(name: str, pool: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to `n` names of `pool` most like `name` (case ignored): at least `cutoff` similar and
    within 0.1 of the best, so one clear match is not padded with weak ones."""
    key = name.strip().lower()
    scored = sorted(((difflib.SequenceMatcher(None, key, p.lower()).ratio(), p) for p in pool),
                    key=lambda item: (-item[0], item[1]))
    if not scored or scored[0][0] < cutoff:
        return []
    floor = max(cutoff, scored[0][0] - 0.1)
    return [p for score, p in scored if score >= floor][:n]


def normalise(name: str) -> str:
    """Canonical spelling for lookups: lower case, trimmed, '_' and ' ' read as '-'."""
    if not isinstance(name, str):
        raise TypeError(f"expected a name as str, got {type(name).__name__}")
    return name.strip().lower().replace("_", "-").replace(" ", "-")


__all__ = ["AffectlabError", "InputError", "ManifestError", "MediaError", "MissingBackendError",
           "ModelNotFoundError", "NotFittedError", "OutputExistsError", "OutputLockedError",
           "ResumeMismatchError", "UnknownNameError", "closest", "normalise"]
