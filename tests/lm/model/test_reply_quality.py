"""Steered replies that are empty or loops are flagged, not passed off as answers."""

from __future__ import annotations

from affectlab.lm.model.fluency import reply_quality


def test_reply_quality():
    assert reply_quality("I had a good week, thanks for asking!") is None
    assert reply_quality("   ") == "empty"
    loop = ("in on the chapter each chapter is filled with the experiences that each journey "
            "each journey experiences throughout the year by each being it experiences each "
            "being it experiences throughout the year by each being it experiences throughout "
            "the year by it experiences throughout the year by it")  # a reply at --alpha 4
    assert reply_quality(loop).startswith("degenerate: 39%")
    assert reply_quality("!!! ??? ... ### $$$ %%%") == "degenerate: mostly symbols"
