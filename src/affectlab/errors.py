"""Errors shared across affectlab: an unknown name always lists the valid ones and the closest."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UnknownNameError(ValueError, KeyError):
    """A label, scheme, node or dataset name that does not exist.

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
