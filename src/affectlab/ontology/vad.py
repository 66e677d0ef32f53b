"""Valence-arousal-dominance coordinates and Russell quadrants.

affectlab keeps V/A/D on [-1, 1] with 0 at the average English word of the Warriner et al.
(2013) norms (1-9 ratings map by (x - c) / 4, c = 5.06, 4.21, 5.19 for V, A, D), so signs read
directly as positive/negative, more/less arousing, dominant/submissive than an ordinary word.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

WARRINER_CENTRE = (5.064, 4.211, 5.185)  # mean V, A, D of the 13,915 rated lemmas
QUADRANTS = ("positive-high", "negative-high", "negative-low", "positive-low")


class VAD(NamedTuple):
    """A point in valence-arousal-dominance space, each on [-1, 1]."""

    valence: float
    arousal: float
    dominance: float

    @classmethod
    def from_warriner(cls, v: float, a: float, d: float) -> VAD:
        """Convert ratings on the Warriner et al. (2013) 1-9 scale."""
        return cls(*(round(min(1.0, max(-1.0, (x - c) / 4.0)), 4)
                     for x, c in zip((v, a, d), WARRINER_CENTRE, strict=True)))

    def to_warriner(self) -> tuple[float, float, float]:
        """The same point on the 1-9 rating scale."""
        return tuple(c + 4.0 * x for x, c in zip(self, WARRINER_CENTRE, strict=True))  # type: ignore[return-value]

    def distance(self, valence: float, arousal: float, dominance: float | None = None) -> float:
        """Euclidean distance in V/A (and D when given) space."""
        sq = (self.valence - valence) ** 2 + (self.arousal - arousal) ** 2
        if dominance is not None:
            sq += (self.dominance - dominance) ** 2
        return math.sqrt(sq)


def quadrant(valence: float, arousal: float) -> str | None:
    """Russell quadrant of a V/A point; None on an axis (no quadrant is the honest answer)."""
    if valence == 0 or arousal == 0 or math.isnan(valence) or math.isnan(arousal):
        return None
    if valence > 0:
        return "positive-high" if arousal > 0 else "positive-low"
    return "negative-high" if arousal > 0 else "negative-low"


def check_coordinates(**values: float | None) -> None:
    """Reject coordinates outside [-1, 1] or not finite, naming the offending one."""
    for name, x in values.items():
        if x is None:
            continue
        ok = isinstance(x, numbers.Real) and not isinstance(x, bool)
        if not ok or not math.isfinite(float(x)) or not -1.0 <= float(x) <= 1.0:
            raise ValueError(
                f"{name} must be a finite number in [-1, 1] (affectlab's V/A/D scale; convert "
                f"1-9 ratings with VAD.from_warriner), got {x!r}"
            )
