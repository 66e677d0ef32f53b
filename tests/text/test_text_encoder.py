"""Encoder resolution, truncation and length-bucketed batches."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.text.encoder import (
    EncoderNotFoundError,
    bucketed,
    load_encoder,
    resolve_encoder,
    token_lengths,
)


def test_packaged_encoder_resolves_to_a_folder():
    assert resolve_encoder().endswith("model")
    assert resolve_encoder("sentence-transformers/all-MiniLM-L6-v2") == resolve_encoder()


def test_missing_encoder_is_a_clear_error(tmp_path):
    with pytest.raises(EncoderNotFoundError, match="downloads are off"):
        load_encoder("no-such-org/no-such-encoder")


def test_truncation_keeps_the_final_special_token():
    tok, _ = load_encoder()
    ids, full = token_lengths(tok, ["short", "word " * 300], max_length=16)
    assert len(ids[0]) == 3 and full[0] == 3
    assert len(ids[1]) == 16 and full[1] == 302
    assert ids[1][-1] == tok.sep_token_id


def test_batches_are_padded_to_their_own_longest_row():
    ids = [[1] * n for n in (3, 10, 4, 9, 2, 11)]
    batches = list(bucketed(ids, 2, pad_id=0))
    widths = [b.input_ids.shape[1] for b in batches]
    assert widths == [11, 9, 3]
    seen = np.concatenate([b.index for b in batches])
    assert sorted(seen.tolist()) == list(range(6))
    for b in batches:
        assert (b.attention_mask.sum(1).numpy() == [len(ids[i]) for i in b.index]).all()
