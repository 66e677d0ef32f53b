"""Texts the English model cannot read are flagged, so "neutral" is not mistaken for calm."""

from __future__ import annotations

import pytest

from affectlab.text.language import NO_WORDS, NON_ENGLISH, OK, language_status


@pytest.mark.parametrize(("text", "status"), [
    ("I am so angry right now", OK),
    ("I love this café", OK),
    ("The El Niño season was rough this year", OK),
    ("lol", OK),
    ("Das ist gut", OK),  # too short to tell: documented
    ("Ich bin heute so glücklich und dankbar", NON_ENGLISH),
    ("Je suis très content aujourd'hui et toi", NON_ENGLISH),
    ("Estoy muy feliz con mi familia", NON_ENGLISH),
    ("我今天很高兴", NON_ENGLISH),
    ("Привет, как дела?", NON_ENGLISH),
    ("😀😀🎉", NO_WORDS),
    ("12345 !!!", NO_WORDS),
])
def test_language_status(text, status):
    assert language_status(text) == status


def _letters_status(text: str) -> str | None:
    """The letter rules written out character by character, as the module states them: no
    letter is `no-words`, under half Latin letters `non-english`, else None (words decide)."""
    import unicodedata

    letters = [c for c in text[:2000] if c.isalpha()]
    if not letters:
        return NO_WORDS
    latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
    return NON_ENGLISH if latin < 0.5 * len(letters) else None


@pytest.mark.parametrize("text", [
    "12345 !!!", "_", "a", "___ 42 ...", ":-) <3", "x" * 5000, "9" * 2500 + " word",
    "plain ascii words here", "caf\u00e9 tonight", "\u00e9\u00e9\u00e9", "\u00b2\u00b3",
    "\u4f60\u597d ok", "ok \u4f60\u597d\u4f60", "\u0391\u03b2 ab",
])
def test_the_ascii_shortcut_keeps_the_letter_rules(text):
    want = _letters_status(text)
    got = language_status(text)
    assert got == want if want is not None else got in (OK, NON_ENGLISH)


def test_english_corpora_are_almost_never_flagged(data_dir):
    """Measured on the whole corpora: GoEmotions 3 of 54,263 (emoticons only), CARER 1 of
    20,000, ISEAR 0 of 7,666; the bound leaves room for a corpus update."""
    from affectlab import datasets

    go = datasets.load("goemotions", path=data_dir / "goemotions")
    texts = [t for t in go["text"] if isinstance(t, str) and t.strip()]
    flagged = sum(language_status(t) != OK for t in texts)
    assert flagged <= 0.0005 * len(texts)


def test_analyze_flags_and_skips_what_it_cannot_read():
    from affectlab import analyze

    out = analyze(["I am thrilled!", "😀🎉", "Ich bin heute so glücklich und dankbar"])
    assert [r["status"] for r in out] == ["ok", "no-words", "non-english"]
    assert out[1]["probs"] == {} or all(v is None for v in out[1]["probs"].values())
    assert out[1]["top"] is None and "emoji" in out[1]["error"]
    assert out[2]["top"] is not None and "English only" in out[2]["error"]
