"""Layer sweeps on synthetic activations and tiny models; the report, figures and remapping."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _lm_tiny import tiny_model

from affectlab.lm.probing import plots
from affectlab.lm.probing.probe_data import ProbeSet
from affectlab.lm.probing.report import remap_probe_set, write_json
from affectlab.lm.probing.sweep import balanced_indices, layer_sweep, sweep_arrays, sweep_inputs

LABELS = ["anger", "joy", "neutral"]


def _signal_at(layer: int, n: int, n_layers: int = 5, d: int = 8, seed: int = 0):
    """(n, n_layers, d) noise with the class written into one layer only."""
    rng = np.random.default_rng(seed)
    y = np.array(LABELS * (n // 3))
    x = rng.normal(size=(len(y), n_layers, d))
    for c, name in enumerate(LABELS):
        x[y == name, layer, c] += 4.0
    return x.astype(np.float32), y


def test_the_peak_is_where_the_signal_is():
    xa, ya = _signal_at(3, 150)
    xb, yb = _signal_at(3, 90, seed=1)
    res = sweep_arrays(xa, ya, xb, yb, LABELS, progress=False, model_name="synthetic")
    assert res.peak.layer == 3 and res.peak.accuracy > 0.9
    assert res.layers[0].accuracy < 0.6  # no signal: near chance (1/3)
    assert list(res.depth_fractions) == ["0%", "25%", "50%", "75%", "100%"]
    assert res.depth_fractions["75%"].layer == 3
    assert np.asarray(res.confusion).sum() == len(yb)
    assert res.test_outputs.shape == (len(yb), 3)
    json.dumps(res.to_dict())  # serialisable


def test_mlp_probe_and_chosen_layers():
    xa, ya = _signal_at(1, 150)
    xb, yb = _signal_at(1, 60, seed=2)
    res = sweep_arrays(xa, ya, xb, yb, LABELS, probe="mlp", layers=[0, 1],
                       probe_params={"epochs": 12, "lr": 3e-3}, progress=False)
    assert [s.layer for s in res.layers] == [0, 1] and res.peak.layer == 1
    with pytest.raises(IndexError):
        sweep_arrays(xa, ya, xb, yb, LABELS, layers=[7], progress=False)
    with pytest.raises(ValueError, match="probe"):
        sweep_arrays(xa, ya, xb, yb, LABELS, probe="svm", progress=False)
    with pytest.raises(ValueError, match="rows, layers, d"):
        sweep_arrays(xa[:, 0], ya, xb, yb, LABELS, progress=False)


def _toy_set() -> ProbeSet:
    cues = {"anger": ["i am so angry", "this is bad"], "joy": ["i am so happy", "great news"],
            "neutral": ["tell me about work", "the cat", "my home", "the dog", "work today",
                        "hello you"]}
    train_t, train_y, test_t, test_y = [], [], [], []
    for label, texts in cues.items():
        for k, t in enumerate(texts):
            for tail in ("today", "at home", "this week"):
                (test_t if k == 0 and tail == "today" else train_t).append(f"{t} {tail}")
                (test_y if k == 0 and tail == "today" else train_y).append(label)
    return ProbeSet("toy", "ekman7", ("anger", "joy", "neutral"), train_t, train_y, test_t,
                    test_y, "hand-made")


def test_balancing_follows_the_paper():
    toy = _toy_set()
    tr, te = balanced_indices(toy)
    y = np.asarray(toy.train_labels)[tr]
    counts = {k: int((y == k).sum()) for k in LABELS}
    assert counts == {"anger": 5, "joy": 5, "neutral": 5}  # neutral cut to the largest emotion
    assert len(te) == 3


def test_a_sweep_on_a_tiny_model_and_its_figures(tmp_path):
    lm = tiny_model("llama")
    toy = _toy_set()
    data = sweep_inputs(lm, toy, cache=False, progress=False)
    assert data.x_train.shape == (15, lm.n_layers + 1, lm.d_model)
    same = [i for i in range(15) if data.train_texts[i] == data.train_texts[0]]
    for i in same:  # an oversampled row carries its own text's activations
        np.testing.assert_array_equal(data.x_train[i], data.x_train[0])
    raw = layer_sweep(lm, toy, inputs=data, progress=False)
    chat = layer_sweep(lm, toy, chat=True, cache=False, progress=False)
    assert raw.input == "raw" and chat.input == "chat" and len(raw.layers) == lm.n_layers + 1
    for path in (plots.plot_layer_curves([raw, chat], tmp_path / "curve.png", zero_shot=0.4),
                 plots.plot_probe_pca(raw, tmp_path / "pca.png"),
                 plots.plot_confusion(raw, tmp_path / "conf.png")):
        assert path.stat().st_size > 1000 and path.read_bytes()[:4] == b"\x89PNG"


def test_remapping_drops_rows_without_a_single_target():
    toy = _toy_set()
    six = remap_probe_set(toy, "ekman6")
    assert six.labels == ("anger", "joy") and "neutral" not in six.train_labels
    assert remap_probe_set(toy, "ekman-7") is toy
    with pytest.raises(ValueError, match="does not map"):
        remap_probe_set(ProbeSet("t", "ekman7", ("neutral", "joy"), ["a"], ["neutral"], ["b"],
                                 ["joy"], ""), "ekman6")


def test_json_is_written_atomically(tmp_path):
    out = write_json({"a": np.float32(0.5)}, tmp_path / "x" / "r.json")
    assert json.loads(out.read_text()) == {"a": 0.5}
    assert [p.name for p in out.parent.iterdir()] == ["r.json"]


def test_depth_fractions_round_halves_up():
    from affectlab.lm.probing.sweep import depth_layer

    assert [depth_layer(f, 31) for f in (0.0, 0.25, 0.5, 0.75, 1.0)] == [0, 8, 15, 23, 30]
