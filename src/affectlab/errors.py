"""Errors shared across affectlab: an unknown name always lists the valid ones and the closest."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UnknownNameError(ValueError, KeyError):
    """A label, scheme, node or dataset name that does not exist.

    The message lists the closest valid names and (when short enough) all valid names, so a typo
    at the command line or in a script is fixed in one look.
    """

    def __init__(self, kind: str, name: str, valid: Iterable[str], *, context: str = "",
                 aliases: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(set(valid))
        pool = sorted(set(self.valid) | set(aliases))  # aliases help suggest, not listed
        self.suggestions = difflib.get_close_matches(
            str(name).lower(), [v.lower() for v in pool], n=3, cutoff=0.6
        )
        # Map lower-cased suggestions back to their spelling in `valid`.
        by_lower = {v.lower(): v for v in pool}
        self.suggestions = [by_lower[s] for s in self.suggestions]
        where = f" in {context}" if context else ""
        parts = [f"unknown {kind} {name!r}{where}."]
        if self.suggestions:
            parts.append("Did you mean: " + ", ".join(self.suggestions) + "?")
        if len(self.valid) <= 60:
            parts.append(f"Valid {kind}s: " + ", ".join(self.valid) + ".")
        else:
            parts.append(f"{len(self.valid)} valid {kind}s; list them with `affectlab ontology`"
                         " (e.g. `affectlab ontology schemes`, `affectlab ontology tree`).")
        self.message = " ".join(parts)
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


def normalise(name: str) -> str:
    """Canonical spelling for lookups: lower case, trimmed, '_' and ' ' read as '-'."""
    if not isinstance(name, str):
        raise TypeError(f"expected a name as str, got {type(name).__name__}")
    return name.strip().lower().replace("_", "-").replace(" ", "-")
