"""The one result record: field order, rounding rule, failures, exit codes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from affectlab.core.records import FIELDS, clean, exit_code, failed_record, make_record


def test_common_fields_come_first_then_the_modality_s_own():
    rec = make_record("a.wav", "speech", scheme="ekman7", probs={"joy": 0.7, "anger": 0.3},
                      labels=["joy"], valence=0.5, seconds=1.25, flags=["clipped"])
    assert tuple(rec)[:len(FIELDS)] == FIELDS
    assert list(rec)[len(FIELDS):] == ["seconds", "flags"]
    assert rec["top"] == "joy" and rec["status"] == "ok" and rec["error"] is None


def test_one_rounding_rule_everywhere():
    assert clean(0.1234567891) == 0.123457
    assert clean(float("nan")) is None and clean(math.inf) is None
    assert clean(np.float32(0.5)) == 0.5 and clean(np.int64(3)) == 3
    assert clean({"a": [np.float64(1 / 3), None]}) == {"a": [0.333333, None]}
    rec = make_record("x", "music", probs={"q1": 1 / 3}, per_bar=[{"valence": 2 / 3}])
    assert rec["probs"] == {"q1": 0.333333} and rec["per_bar"] == [{"valence": 0.666667}]


def test_failed_records_keep_their_place_and_say_why():
    rec = failed_record("b.png", "face", "not-image", "cannot decode b.png")
    assert (rec["status"], rec["probs"], rec["top"], rec["labels"]) == ("not-image", {}, None, [])
    with pytest.raises(ValueError, match="other than 'ok'"):
        failed_record("b", "text", "ok", "")
    with pytest.raises(ValueError, match="modality"):
        make_record("x", "smell")


def test_exit_codes():
    ok = make_record("a", "text")
    bad = failed_record("b", "text", "empty", "the text is empty")
    assert exit_code([ok, ok]) == 0 and exit_code([ok, bad]) == 1 and exit_code([]) == 0
    assert exit_code([bad], ok=("ok", "empty")) == 0
