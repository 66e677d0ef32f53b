import numpy as np
import pandas as pd
import pytest

from affectlab.core.errors import NotFittedError
from affectlab.music.attributes import ATTRIBUTES
from affectlab.music.static import QUADRANTS, StaticMusicEmotion, quadrant_of, quadrant_probs


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(ATTRIBUTES))), columns=list(ATTRIBUTES))
    y = pd.DataFrame({"valence": np.sign(X["mode"] + 0.1 * rng.normal(size=n)),
                      "arousal": np.sign(X["note_density"] + 0.1 * rng.normal(size=n))})
    return X, y


def test_learns_mode_to_valence_and_density_to_arousal(tmp_path):
    X, y = _data()
    model = StaticMusicEmotion().fit(X, y)
    scores = model.score(*_data(seed=1))
    assert scores["valence"] > 0.9 and scores["arousal"] > 0.9 and scores["quadrant"] > 0.8
    coef = model.coefficients()
    assert coef["valence"].abs().idxmax() == "mode"
    assert coef["arousal"].abs().idxmax() == "note_density"
    model.save(tmp_path / "s")
    again = StaticMusicEmotion.load(tmp_path / "s")
    pd.testing.assert_frame_equal(again.decision(X), model.decision(X))
    assert again.params == model.params and again.C == model.C


def test_missing_values_and_quadrants():
    X, y = _data()
    model = StaticMusicEmotion().fit(X, y)
    row = {"mode": 3.0, "note_density": -3.0}  # every other attribute missing
    d = model.decision(row).iloc[0]
    assert d.valence > 0 > d.arousal and d.quadrant == "positive-low"
    assert set(model.predict(X).quadrant) <= set(QUADRANTS)
    assert quadrant_of(0.0, 0.0) == "positive-high"
    with pytest.raises(NotFittedError, match="not fitted"):
        StaticMusicEmotion().decision(row)
    with pytest.raises(ValueError, match="single class"):
        StaticMusicEmotion().fit(X, y.assign(valence=1))


def test_quadrant_probabilities_follow_the_two_regressions():
    X, y = _data()
    model = StaticMusicEmotion().fit(X, y)
    proba = model.predict_proba(X)
    d = model.decision(X)
    assert list(proba.columns) == list(QUADRANTS)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.idxmax(axis=1) == d.quadrant).all()  # the most probable is the V/A point's
    pv = (d.valence + 1) / 2
    np.testing.assert_allclose(proba["positive-high"] + proba["positive-low"], pv)
    np.testing.assert_allclose(quadrant_probs(0.0, 0.0), [[0.25] * 4])
    assert quadrant_probs(1.0, -1.0).tolist() == [[0.0, 0.0, 0.0, 1.0]]
