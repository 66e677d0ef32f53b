"""Emotion-word masking during training, after LEIA.

Words of the ontology's vocabulary (node names, their vocabulary and simple inflections) are
replaced by the mask token with a higher probability than other words, so that the classifier
learns to read emotion from context instead of from a handful of give-away words. LEIA found
that this keeps in-domain accuracy and helps out of domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _inflections(word: str) -> set[str]:
    """A word and its regular inflections (plural, past, -ing, -ly), good enough for matching."""
    out = {word, word + "s", word + "ed", word + "ing", word + "ly"}
    if word.endswith("e"):
        out |= {word + "d", word[:-1] + "ing", word[:-1] + "y"}
    if word.endswith("y"):
        out |= {word[:-1] + "ies", word[:-1] + "ied", word[:-1] + "ily", word[:-1] + "iness"}
    return out


@lru_cache(maxsize=1)
def emotion_words() -> frozenset[str]:
    """Lower-case emotion words: every ontology node name and vocabulary word, with inflections."""
    from affectlab import ontology

    onto = ontology.load()
    base = {n.name for n in onto if n.name != ontology.NEUTRAL}
    base |= {w for n in onto for w in onto.vocabulary(n.name)}
    words: set[str] = set()
    for w in base:
        for part in _WORD.findall(w.lower()):
            words |= _inflections(part)
    return frozenset(words)


@dataclass
class EmotionWordMasker:
    """Replace whole words by the mask token: emotion words with `p_emotion`, others with `p_other`.

    Works on a fast tokenizer's encodings (it needs `word_ids`), so every sub-token of a chosen
    word is masked together. Special tokens are never masked.
    """

    tokenizer: Any
    p_emotion: float = 0.5
    p_other: float = 0.05
    words: frozenset[str] = field(default_factory=emotion_words)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("p_emotion", "p_other"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {p}")
        if self.tokenizer.mask_token_id is None:
            raise ValueError("emotion-word masking needs an encoder whose tokenizer has a mask token")
        self._rng = np.random.default_rng(self.seed)

    def plan(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per text: token ids, word id per token (-1 for specials) and the emotion-word flags.

        Computed once, before training; `apply` then draws fresh masks each epoch.
        """
        enc = self.tokenizer(list(texts), add_special_tokens=True, truncation=False,
                             verbose=False)
        out = []
        for i, text in enumerate(texts):
            word_ids = enc.word_ids(i)
            ids = np.asarray(enc["input_ids"][i], dtype=np.int64)
            wid = np.asarray([-1 if w is None else w for w in word_ids], dtype=np.int64)
            n_words = int(wid.max()) + 1 if wid.size else 0
            is_emotion = np.zeros(n_words, dtype=bool)
            for w in range(n_words):
                span = enc.word_to_chars(i, w)
                if span is not None:
                    word = text[span.start:span.end].lower().strip(".,!?;:\"()'")
                    is_emotion[w] = word in self.words
            out.append((ids, wid, is_emotion))
        return out

    def apply(self, planned: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """Token ids with whole words masked at random (a new draw on every call)."""
        mask_id = self.tokenizer.mask_token_id
        out = []
        for ids, wid, is_emotion in planned:
            p = np.where(is_emotion, self.p_emotion, self.p_other)
            chosen = self._rng.random(p.size) < p
            hit = np.zeros(ids.size, dtype=bool)
            real = wid >= 0
            hit[real] = chosen[wid[real]]
            out.append(np.where(hit, mask_id, ids))
        return out

    def mask_texts(self, texts: Sequence[str]) -> list[str]:
        """The texts as the model sees them in training (for inspection and documentation)."""
        masked = self.apply(self.plan(texts))
        return [self.tokenizer.decode(ids, skip_special_tokens=False) for ids in masked]
