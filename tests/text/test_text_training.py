"""The multi-label losses of text training, against formulas written out in NumPy."""

from __future__ import annotations

import _text_templates
import numpy as np
import pytest
import torch

from affectlab.text import AdapterConfig, EmotionClassifier, TrainSettings
from affectlab.text.training import _loss, asymmetric_loss, positive_weights

CUES = {"joy": ["I am so happy", "what a wonderful day", "great news", "this made me smile"],
        "anger": ["I am furious", "I hate this", "how dare you", "this makes me so mad"],
        "fear": ["I am terrified", "this is frightening", "I panicked", "I am so scared"]}
LOGITS = np.array([[2.0, -1.0, 0.3, -3.0], [-0.5, 4.0, -2.0, 0.1]], dtype=np.float32)
TARGET = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]], dtype=np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _asl_reference(logits: np.ndarray, y: np.ndarray, gamma: float, margin: float) -> float:
    p = _sigmoid(logits)
    p_m = np.maximum(p - margin, 0.0)
    pos = y * np.log(p)
    neg = (1 - y) * (p_m ** gamma) * np.log(1 - p_m)
    return float(-(pos + neg).mean())


def test_asymmetric_loss_without_focus_or_margin_is_bce() -> None:
    out, y = torch.from_numpy(LOGITS), torch.from_numpy(TARGET)
    want = torch.nn.functional.binary_cross_entropy_with_logits(out, y)
    assert torch.isclose(asymmetric_loss(out, y, gamma=0.0, margin=0.0), want, atol=1e-6)


@pytest.mark.parametrize(("gamma", "margin"), [(4.0, 0.05), (2.0, 0.0), (1.0, 0.2)])
def test_asymmetric_loss_matches_the_formula(gamma: float, margin: float) -> None:
    got = asymmetric_loss(torch.from_numpy(LOGITS), torch.from_numpy(TARGET), gamma, margin)
    assert float(got) == pytest.approx(_asl_reference(LOGITS, TARGET, gamma, margin), rel=1e-5)


def test_asymmetric_loss_spares_easy_negatives_but_not_positives() -> None:
    easy_negative = torch.tensor([[-4.0]])
    zero, one = torch.tensor([[0.0]]), torch.tensor([[1.0]])
    # p = 0.018 < margin: no cost at all, where BCE still charges for it
    assert float(asymmetric_loss(easy_negative, zero)) == 0.0
    assert float(torch.nn.functional.binary_cross_entropy_with_logits(easy_negative, zero)) > 0
    # a missed positive costs exactly what BCE charges
    bce = torch.nn.functional.binary_cross_entropy_with_logits(easy_negative, one)
    assert torch.isclose(asymmetric_loss(easy_negative, one), bce)


def test_positive_weights_are_sqrt_of_negatives_per_positive_capped() -> None:
    y = np.zeros((100, 4), dtype=np.float32)
    y[:50, 0] = 1  # 50 / 50 -> 1
    y[:4, 1] = 1  # 96 / 4 = 24 -> sqrt 4.899
    y[:80, 2] = 1  # 20 / 80 -> below 1, raised to 1
    # column 3 has no positive row: the cap
    w = positive_weights(y, cap=10.0)
    np.testing.assert_allclose(w, [1.0, np.sqrt(24.0), 1.0, 10.0], rtol=1e-6)
    y[:1, 3] = 1  # 99 / 1 -> sqrt 9.95, under the cap
    assert positive_weights(y, cap=10.0)[3] == pytest.approx(np.sqrt(99.0))


def test_balanced_loss_weights_the_positive_term_only() -> None:
    w = np.array([1.0, 3.0, 2.0, 5.0], dtype=np.float32)
    got = _loss("multilabel", torch.from_numpy(LOGITS), torch.from_numpy(TARGET),
                label_loss="balanced", pos_weight=torch.from_numpy(w))
    p = _sigmoid(LOGITS)
    want = -(w * TARGET * np.log(p) + (1 - TARGET) * np.log(1 - p)).mean()
    assert float(got) == pytest.approx(want, rel=1e-5)
    plain = _loss("multilabel", torch.from_numpy(LOGITS), torch.from_numpy(TARGET),
                  pos_weight=torch.from_numpy(w))  # "bce" ignores the weights
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(LOGITS), torch.from_numpy(TARGET))
    assert torch.isclose(plain, bce)


def test_settings_refuse_an_unknown_loss() -> None:
    with pytest.raises(ValueError, match="label_loss is one of bce, balanced, asymmetric"):
        TrainSettings(label_loss="focal")
    with pytest.raises(ValueError, match="loss_margin"):
        TrainSettings(label_loss="asymmetric", loss_margin=1.5)


@pytest.mark.parametrize("label_loss", ["balanced", "asymmetric"])
def test_a_multilabel_model_trains_with_each_loss_and_records_it(label_loss: str,
                                                                 tmp_path) -> None:
    texts, labels = _text_templates.templated(CUES)
    settings = TrainSettings(epochs=4, batch_size=16, lr=2e-3, head_lr=1e-2,
                             label_loss=label_loss)
    clf = EmotionClassifier("goemotions", adapter=AdapterConfig(rank=4), settings=settings,
                            progress=False).fit(texts, [[x] for x in labels])
    top = [clf.labels_[i] for i in clf.predict_proba(texts).argmax(1)]
    assert np.mean(np.asarray(top) == np.asarray(labels)) >= 0.9
    clf.save(tmp_path / "m")
    again = EmotionClassifier.load(tmp_path / "m")
    assert again.info_["training"]["settings"]["label_loss"] == label_loss
