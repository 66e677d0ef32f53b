import numpy as np
import pytest
import torch

from affectlab.music.attributes import ATTRIBUTES
from affectlab.music.corpus import PieceSequence
from affectlab.music.dynamic import DynamicConfig
from affectlab.music.personal import (
    adapt,
    evaluate_adaptation,
    listener_tasks,
    meta_train,
    pretrain,
    split_tasks,
)

F = len(ATTRIBUTES)


def _pieces(n_pieces=6, n_listeners=8, seed=0):
    """Listeners differ by a gain: each moves `gain` times the shared curve."""
    rng = np.random.default_rng(seed)
    gains = rng.uniform(0.3, 1.5, n_listeners)
    pieces = []
    for p in range(n_pieces):
        feats = rng.normal(size=(10, F))
        base = np.stack([np.tanh(feats[:, 3]), np.tanh(feats[:, 0])], axis=1) * 0.6
        curves = [(f"l{i}", base * g) for i, g in enumerate(gains) if (i + p) % 3]  # not all
        pieces.append(PieceSequence(f"p{p}", feats, curves))
    return pieces


def test_tasks_pair_two_clips_of_one_listener():
    tasks = listener_tasks(_pieces())
    assert tasks and all(t.support[0] is not t.query[0] for t in tasks)
    train, test = split_tasks(tasks, 0.25)
    assert {t.annotator for t in train}.isdisjoint({t.annotator for t in test})


def test_gain_adaptation_changes_only_the_gain():
    tasks = listener_tasks(_pieces())
    est = pretrain(tasks, DynamicConfig(epochs=2, dropout=0.0))
    before = dict(est.model.named_parameters())
    after = adapt(est, tasks[0].support, 3, 0.5, which="gain")
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {"listener_gain"}
    assert adapt(est, tasks[0].support, 0, 0.5)["head.weight"] is before["head.weight"]
    with pytest.raises(ValueError, match="adapted parameters"):
        adapt(est, tasks[0].support, 1, 0.5, which="everything")


def test_maml_runs_second_order_and_evaluates():
    tasks = listener_tasks(_pieces())
    est = pretrain(tasks, DynamicConfig(epochs=3, dropout=0.0))
    maml = meta_train(est, tasks, meta_steps=3, meta_batch=2, inner_steps=2, inner_lr=0.3,
                      which="gain")
    assert not torch.equal(maml.model.inp.weight, est.model.inp.weight)  # outer step moved it
    res = evaluate_adaptation(maml, tasks[:3], (0, 2), lr=0.3, which="gain")
    assert set(res) == {0, 2} and set(res[0]) == {"valence", "arousal", "mean"}
    first = meta_train(est, tasks, meta_steps=2, meta_batch=2, inner_steps=2, first_order=True)
    assert first.model is not est.model
