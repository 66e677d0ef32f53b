"""Text repairs: mojibake (MELD, FB-VA) and ISEAR line-break artefacts, on crafted strings."""

from __future__ import annotations

import pytest

from affectlab.datasets import clean_isear_text, fix_mojibake


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("You must\x92ve had your hands full.", "You must’ve had your hands full."),  # cp1252 byte
        ("You mustâ\x80\x99ve had", "You must’ve had"),  # UTF-8 read as latin-1 (MELD style)
        ("You mustâ€™ve had", "You must’ve had"),  # UTF-8 read as cp1252
        ("Wait\x85 what\x97 no", "Wait… what— no"),
        ("fianc\xc3\xa9e", "fiancée"),
        ("Ã¢â‚¬Å“quotedÃ¢â‚¬Â\x9d", "“quoted”"),  # double-encoded, as in FB-VA
        ("DoppelgÃƒÂ¤nger", "Doppelgänger"),
        ("on theÃ¯Â»Â¿ tv", "on the tv"),  # a double-encoded BOM disappears
    ],
)
def test_fix_mojibake_repairs(broken: str, fixed: str) -> None:
    assert fix_mojibake(broken) == fixed


@pytest.mark.parametrize(
    "clean",
    [
        "plain ascii",
        "fiancée and café — “quotes” … ok",
        "Smörgåsbord ÄÖÜ ß",
        "emoji 😂 and 中文",
        "naïve résumé",
    ],
)
def test_fix_mojibake_leaves_clean_text_alone(clean: str) -> None:
    assert fix_mojibake(clean) == clean


def test_fix_mojibake_is_idempotent() -> None:
    once = fix_mojibake("Itâ€™s Ã¢â‚¬Å“fineÃ¢â‚¬Â\x9d")
    assert fix_mojibake(once) == once == "It’s “fine”"


def test_isear_line_break_artefacts_are_stripped() -> None:
    raw = "When I was driving home after  several days of hard work, there á was a motorist"
    assert clean_isear_text(raw) == (
        "When I was driving home after several days of hard work, there was a motorist"
    )


def test_isear_pipes_glued_markers_and_backslash_quotes() -> None:
    raw = 'speaking á \\the same language\\"- meaning a discussion and á|encounter."'
    assert (
        clean_isear_text(raw) == 'speaking "the same language"- meaning a discussion and encounter.'
    )
    assert clean_isear_text("as I feared itá being dis") == "as I feared it being dis"
    assert clean_isear_text("At a Sm÷rgasbord table") == "At a Smörgasbord table"
    assert clean_isear_text("fulfilled.á") == "fulfilled."
