"""Small models trained once per test session on templated sentences (seconds, no corpora)."""

from __future__ import annotations

import _text_templates as _templates
import numpy as np
import pytest

from affectlab.text import AdapterConfig, EmotionClassifier, TrainSettings

_CUES = {
    "joy": ["I am so happy", "what a wonderful day", "this made me smile", "great news"],
    "anger": ["I am furious", "this makes me so mad", "I hate this", "how dare you"],
    "sadness": ["I feel so sad", "I miss her every day", "this broke my heart",
                "I cried all night"],
    "fear": ["I am terrified", "I am scared of the dark", "this is frightening",
             "I panicked"],
}


def templated() -> tuple[list[str], list[str]]:
    return _templates.templated(_CUES)


@pytest.fixture(scope="session")
def single_label_model() -> EmotionClassifier:
    """A carer6-scheme classifier (4 of its labels seen) on 80 templated sentences."""
    texts, labels = templated()
    settings = TrainSettings(epochs=4, batch_size=16, lr=2e-3, head_lr=1e-2)
    return EmotionClassifier("carer6", adapter=AdapterConfig(rank=4), settings=settings,
                             progress=False).fit(texts, labels)


@pytest.fixture(scope="session")
def multi_label_model() -> EmotionClassifier:
    """A GoEmotions-scheme multi-label classifier with a V/A/D head, thresholds tuned on dev."""
    texts, labels = templated()
    go = {"joy": "joy", "anger": "anger", "sadness": "sadness", "fear": "fear"}
    rows = [[go[x]] for x in labels]
    sign = {"joy": 1.0, "anger": -0.6, "sadness": -0.8, "fear": -0.7}
    vad = np.asarray([[sign[x], 0.5 if x in ("anger", "fear") else -0.2, 0.0] for x in labels])
    settings = TrainSettings(epochs=4, batch_size=16, lr=2e-3, head_lr=1e-2)
    clf = EmotionClassifier("goemotions", adapter=AdapterConfig(rank=4), settings=settings,
                            progress=False)
    return clf.fit(texts, rows, dev=(texts[::3], rows[::3]), vad=(texts, vad))
