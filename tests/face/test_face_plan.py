"""Expression plans: the primaries follow the EMFACS table, every node of the ontology has one,
names resolve the way users write them."""

from __future__ import annotations

import pytest

from affectlab import ontology
from affectlab.core.errors import UnknownNameError
from affectlab.face.action_units import AUS
from affectlab.face.plan import MUSCLES, plan

# EMFACS-7 (Ekman & Friesen), written out here independently of the module's table
EMFACS_TABLE = {
    "joy": {"AU06", "AU12"},
    "sadness": {"AU01", "AU04", "AU15"},
    "surprise": {"AU01", "AU02", "AU05", "AU26"},
    "fear": {"AU01", "AU02", "AU04", "AU05", "AU07", "AU20", "AU26"},
    "anger": {"AU04", "AU05", "AU07", "AU23"},
    "disgust": {"AU09", "AU15"},
}


@pytest.mark.parametrize("emotion", sorted(EMFACS_TABLE))
def test_basic_emotions_follow_emfacs(emotion):
    p = plan(emotion)
    assert EMFACS_TABLE[emotion] <= set(p.units)
    extra = set(p.units) - EMFACS_TABLE[emotion]
    assert extra <= {"AU10"}  # disgust's alternative upper-lip raiser, nothing else
    assert all(0 < a <= 5 for a in p.units.values())
    assert set(p.muscles) == set(p.units) and p.muscles["AU04" if "AU04" in p.units else
                                                         next(iter(p.units))]


def test_every_node_has_a_plan():
    onto = ontology.load()
    for node in onto:
        p = plan(node.name)
        assert p.units and set(p.units) <= set(AUS), node.name
        assert p.path[0] == node.name and p.path[-1] in onto.primary
        assert 0.3 <= p.intensity <= 1.0


def test_intensity_follows_arousal_and_can_be_set():
    assert plan("rage").intensity > plan("contentment").intensity
    low, high = plan("joy", intensity=0.2), plan("joy", intensity=1.0)
    assert low.units["AU12"] == pytest.approx(high.units["AU12"] * 0.2, rel=1e-3)
    assert high.units["AU12"] == pytest.approx(5.0)
    with pytest.raises(ValueError):
        plan("joy", intensity=1.5)


def test_composed_emotions_blend_their_parts():
    p = plan("despair")  # fear + sadness in the ontology's relations
    assert set(p.blend) == {"sadness", "fear"}
    assert "AU20" in p.units and "AU15" in p.units


def test_names_users_write():
    assert plan("happy").emotion == "joy"  # a scheme label
    assert plan("angry").emotion == "anger"
    assert plan("joyful").emotion == "joy"  # a vocabulary word
    assert plan("revulsion").blend == {"disgust": 1.0}  # disgust's own prototype
    with pytest.raises(UnknownNameError, match="bitterness"):
        plan("bittersweat")
    with pytest.raises(ValueError):
        plan()


def test_a_distribution_blends_primaries():
    p = plan(probs={"joy": 0.6, "surprise": 0.4})
    assert p.blend == pytest.approx({"joy": 0.6, "surprise": 0.4})
    assert {"AU12", "AU06", "AU02", "AU26"} <= set(p.units)
    assert p.units["AU12"] > p.units["AU02"]


def test_muscles_are_named_for_every_unit():
    assert set(MUSCLES) == set(AUS)
