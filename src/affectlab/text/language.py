"""Is a text something the English model can read? Offline heuristics, cautious by design:

- `no-words`: not one letter (emoji only, digits, punctuation): there is nothing to read, so no
  prediction is made;
- `non-english`: most letters outside the Latin script (Chinese, Arabic, Cyrillic, ...), or at
  least four words of which two or more are common function words of German, French, Spanish,
  Italian, Portuguese or Dutch and outnumber the English ones. The text is still analysed, but
  the status tells "calm" apart from "not understood".

Short Latin-script texts in another language ("Das ist gut") are not caught: too little to tell.
"""

from __future__ import annotations

import re
import unicodedata

OK = "ok"
NO_WORDS = "no-words"
NON_ENGLISH = "non-english"

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENGLISH = _words(
    "the a an and or but if of to in on at by for with from as is are was were be been am i you "
    "he she it we they me him her us them my your his its our their this that these those not "
    "no do does did have has had will would can could should so very just what when where who "
    "why how all any some there here than then too also about into out up down over")
# Function words that are not also common English words (no "die", "also", "war", "man").
_OTHER = {
    "de": "und der das ist nicht ich ein eine zu mit auf für sich dem den wie auch wir sie aber "
          "noch nach bei einem einen einer sehr kann mein meine dein heute schon wieder weil "
          "oder sind bin habe wird ganz",
    "fr": "le les des est une et je tu il elle nous vous pas pour dans avec sur qui que ce "
          "cette mais très suis c'est j'ai du au aux mon ma mes",
    "es": "el los las es y un una que por para con pero muy estoy está yo mi su del al lo "
          "como más",
    "it": "il gli che è non per una sono con ma molto mi ti della questo questa",
    "pt": "não é um uma com para que muito eu você os do da em",
    "nl": "het een en niet ik je van dat zijn met voor maar heel ook wat",
}
_OTHER_WORDS = {lang: _words(words) for lang, words in _OTHER.items()}


_SAMPLE = 2000  # characters looked at: enough to tell, and a megabyte of text costs no more


def language_status(text: str) -> str:
    """`ok`, `no-words` or `non-english` for a non-empty text (see the module docstring), from
    its first 2,000 characters."""
    text = text[:_SAMPLE]
    if text.isascii():  # the common case, without a look at each character: all letters Latin
        if _ASCII_LETTER.search(text) is None:
            return NO_WORDS
    else:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return NO_WORDS
        latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
        if latin < 0.5 * len(letters):
            return NON_ENGLISH
    words = _WORD.findall(text.lower())
    if len(words) >= 4:
        english = sum(w in _ENGLISH for w in words)
        other = max(sum(w in vocab for w in words) for vocab in _OTHER_WORDS.values())
        if other >= 2 and other > english:
            return NON_ENGLISH
    return OK


__all__ = ["NON_ENGLISH", "NO_WORDS", "OK", "language_status"]
