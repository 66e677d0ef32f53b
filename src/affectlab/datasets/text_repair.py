"""Small, explicit repairs for corpus text: mojibake, stray control characters, ISEAR breaks.

No ftfy: mojibake here is UTF-8 bytes that were decoded as cp1252 or latin-1, once or twice.
We re-encode only runs that form valid UTF-8 sequences, so correct text is left untouched.
"""

from __future__ import annotations

import re


def _char_for_byte(value: int) -> str:
    """The character a cp1252 reader shows for a byte (latin-1 for the five undefined ones)."""
    try:
        return bytes([value]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(value)


# character -> byte, for both cp1252 and latin-1 views of bytes 0x80-0xFF
_BYTE_OF: dict[str, int] = {_char_for_byte(b): b for b in range(0x80, 0x100)}
_BYTE_OF.update({chr(b): b for b in range(0x80, 0x100) if chr(b) not in _BYTE_OF})


def _char_class(lo: int, hi: int) -> str:
    chars = {c for c, b in _BYTE_OF.items() if lo <= b <= hi}
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


_CONT = _char_class(0x80, 0xBF)
_MOJIBAKE = re.compile(
    f"{_char_class(0xC2, 0xDF)}{_CONT}"
    f"|{_char_class(0xE0, 0xEF)}{_CONT}{{2}}"
    f"|{_char_class(0xF0, 0xF4)}{_CONT}{{3}}"
)
_C1 = re.compile("[\x80-\x9f]")


def _undo(match: re.Match[str]) -> str:
    raw = bytes(_BYTE_OF[c] for c in match.group())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


def _c1_to_cp1252(match: re.Match[str]) -> str:
    try:  # a lone C1 control is almost always a cp1252 byte read as latin-1: \x92 -> ’
        return bytes([ord(match.group())]).decode("cp1252")
    except UnicodeDecodeError:
        return ""  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: no printable meaning, drop


def fix_mojibake(text: str, max_rounds: int = 3) -> str:
    """Repair UTF-8 read as cp1252/latin-1: 'donâ€™t' and 'I\\x92m' become 'don’t', 'I’m'."""
    if not isinstance(text, str) or text.isascii():
        return text
    for _ in range(max_rounds):  # double-encoded text needs two rounds
        repaired = _MOJIBAKE.sub(_undo, text)
        if repaired == text:
            break
        text = repaired
    text = _C1.sub(_c1_to_cp1252, text)
    return text.replace("\ufeff", "")


_ISEAR_BREAK = re.compile(r"(?:(?<=\s)|^)á|á(?=[\s|]|$)")
_ISEAR_CHARS = str.maketrans({"÷": "ö", "¦": "°", "|": " "})  # 'Sm÷rgasbord', '180¦ turn'
_SPACES = re.compile(r"\s+")


def clean_isear_text(text: str) -> str:
    """Strip ISEAR's 'á ' line-break markers and its backslash quoting; collapse whitespace."""
    text = _ISEAR_BREAK.sub(" ", text).translate(_ISEAR_CHARS)
    text = text.replace('\\"', '"').replace("\\", '"')
    if text.count('"') % 2 == 1 and text.rstrip().endswith('"'):
        text = text.rstrip()[:-1]  # closing quote of a CSV field that never opened
    return _SPACES.sub(" ", text).strip()
