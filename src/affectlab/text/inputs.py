"""What counts as a text, and what happens to everything else.

Every input row gives exactly one output row. A row that is not a usable text is not dropped:
it gets a status and empty predictions (NaN), so a batch never stops half-way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

OK = "ok"
EMPTY = "empty"          # None, NaN, "" or only whitespace
NOT_TEXT = "not-text"    # a number, a list, ... (never guessed into a string)
TRUNCATED = "truncated"  # longer than the encoder takes: the beginning was analysed

NO_WORDS = "no-words"    # not one letter: emoji, digits, punctuation (see text.language)
NON_ENGLISH = "non-english"  # analysed, but the model reads English only

STATUSES = (OK, EMPTY, NOT_TEXT, TRUNCATED, NO_WORDS, NON_ENGLISH)


def check_text(value: Any) -> tuple[str, str]:
    """(text to analyse, status) for one input value; bytes are decoded as UTF-8 with replacement."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", EMPTY
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return "", NOT_TEXT
    if not value.strip():
        return "", EMPTY
    return value, OK


def as_text_list(texts: str | Iterable[Any]) -> tuple[list[Any], bool]:
    """The inputs as a list, and whether a single text was given (so one result is returned)."""
    if isinstance(texts, str | bytes | bytearray):
        return [texts], True
    if texts is None:
        raise TypeError("texts must be a string or an iterable of strings, got None")
    try:
        return list(texts), False
    except TypeError as exc:
        raise TypeError(f"texts must be a string or an iterable of strings, "
                        f"got {type(texts).__name__}") from exc
