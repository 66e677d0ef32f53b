"""Audio tokenizers on synthetic log-mel-like frames: shapes, bitrate, save/load, bad inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from affectlab.core.errors import ManifestError
from affectlab.errors import UnknownNameError
from affectlab.speech.tokens import (
    CONFIG,
    KMeansTokenizer,
    NotFittedError,
    QuantizerTokenizer,
    bag_of_tokens,
    load_tokenizer,
    make_tokenizer,
)

N_FEATURES = 8
SMALL = {"n_features": N_FEATURES, "hidden": 32, "latent_dim": 4, "epochs": 2,
         "batch_size": 64, "threads": 1}

CASES = [
    ("kmeans", {"n_codes": 16, "n_features": N_FEATURES}, (16,)),
    ("vq", {"codebook_size": 16, **SMALL}, (16,)),
    ("rvq", {"codebook_size": 8, "n_codebooks": 3, **SMALL}, (8, 8, 8)),
    ("fsq", {"levels": (4, 3, 5), **SMALL}, (60,)),
]


@pytest.fixture(scope="module")
def utterances() -> list[np.ndarray]:
    """Twelve utterances of 8 'bands' drawn around a few spectral shapes, odd lengths included."""
    rng = np.random.default_rng(0)
    shapes = rng.normal(size=(5, N_FEATURES)) * 3
    out = []
    for n in rng.integers(41, 90, size=12):
        states = rng.integers(5, size=int(n))
        out.append((shapes[states] + 0.3 * rng.normal(size=(int(n), N_FEATURES)) - 10)
                   .astype(np.float32))
    return out


@pytest.fixture(scope="module")
def fitted(utterances):
    return {name: make_tokenizer(name, **params).fit(utterances) for name, params, _ in CASES}


@pytest.mark.parametrize(("name", "params", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_fit_encode_decode_shapes(fitted, utterances, name, params, sizes):
    tok = fitted[name]
    x = utterances[0]
    ids = tok.encode(x)
    assert ids.dtype == np.int64 and ids.shape == (len(x) // 2, len(sizes))
    assert (ids >= 0).all() and (ids < np.array(sizes)).all()
    assert tok.codebook_sizes == sizes and tok.n_codebooks == len(sizes)
    y = tok.decode(ids)
    assert y.shape == (len(x) // 2 * 2, N_FEATURES) and np.isfinite(y).all()
    assert np.allclose(tok.reconstruct(x), y)
    mse = tok.reconstruction_mse(utterances)
    assert 0 <= mse < 1.5  # standardised units: 1.0 would be predicting the mean


@pytest.mark.parametrize(("name", "params", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_bitrate_formula(fitted, name, params, sizes):
    tok = fitted[name]
    assert tok.token_rate == 50.0
    assert tok.bitrate == pytest.approx(50.0 * sum(math.log2(s) for s in sizes))


def test_bitrate_follows_stack_and_frame_rate():
    tok = KMeansTokenizer(256, stack=4, frame_rate=100.0)
    assert tok.bitrate == pytest.approx(25 * 8)
    assert QuantizerTokenizer("rvq", codebook_size=1024, n_codebooks=8, stack=1).bitrate == 8000


@pytest.mark.parametrize(("name", "params", "sizes"), CASES, ids=[c[0] for c in CASES])
def test_save_load_round_trip(fitted, utterances, tmp_path, name, params, sizes):
    tok = fitted[name]
    tok.save(tmp_path / name)
    again = load_tokenizer(tmp_path / name)
    assert type(again) is type(tok) and again.get_params() == tok.get_params()
    for x in utterances[:3]:
        ids = tok.encode(x)
        assert np.array_equal(again.encode(x), ids)
        assert np.array_equal(again.decode(ids), tok.decode(ids))
    manifest = json.loads((tmp_path / name / CONFIG).read_text())
    assert CONFIG == "affectlab.json" and manifest["kind"] == "speech.tokenizer"
    assert manifest["config"]["bitrate"] == pytest.approx(tok.bitrate)
    assert manifest["training"]["n_sequences"] == len(utterances)
    assert manifest["files"] == ["tokenizer.safetensors"]
    assert type(tok).load(tmp_path / name).codebook_sizes == sizes


def test_wrong_kind_or_newer_format_is_refused(fitted, tmp_path):
    folder = fitted["kmeans"].save(tmp_path / "tok")
    manifest = json.loads((folder / CONFIG).read_text())
    (folder / CONFIG).write_text(json.dumps(dict(manifest, kind="speech.editor")))
    with pytest.raises(ManifestError, match="speech.editor"):
        load_tokenizer(folder)
    (folder / CONFIG).write_text(json.dumps(dict(manifest, format_version=2)))
    with pytest.raises(ManifestError, match="upgrade affectlab"):
        load_tokenizer(folder)


@pytest.mark.parametrize("name", ["kmeans", "fsq"])
def test_a_tokenizer_saved_by_older_affectlab_still_loads(fitted, utterances, tmp_path, name):
    """The layout before the shared manifest: tokenizer.json beside tokenizer.safetensors."""
    from safetensors.numpy import save_file

    tok = fitted[name]
    folder = tmp_path / "old"
    folder.mkdir()
    save_file({k: np.ascontiguousarray(v) for k, v in
               {"mean": tok.mean_, "std": tok.std_, **tok._arrays()}.items()},
              str(folder / "tokenizer.safetensors"))
    config = {"format": "affectlab.speech.tokens", "version": 1, "tokenizer": tok.kind,
              "params": tok._json_params(), "codebook_sizes": list(tok.codebook_sizes),
              "token_rate": tok.token_rate, "bitrate": tok.bitrate,
              "features": "logmel frames (affectlab.speech.features.frames)",
              "fit": tok.fit_info_, "affectlab": "0.1.0"}
    (folder / "tokenizer.json").write_text(json.dumps(config))
    again = load_tokenizer(folder)
    assert again.get_params() == tok.get_params() and again.fit_info_ == tok.fit_info_
    assert np.array_equal(again.encode(utterances[0]), tok.encode(utterances[0]))
    (folder / "tokenizer.json").write_text(json.dumps(dict(config, version=2)))
    with pytest.raises(ManifestError, match="version 2"):
        load_tokenizer(folder)


@pytest.mark.parametrize("name", ["kmeans", "fsq"])
def test_tokenizers_clone_and_refit(fitted, utterances, name):
    from sklearn.base import clone

    tok = fitted[name]
    twin = clone(tok)
    assert twin.get_params() == tok.get_params() and not twin.fitted
    twin.fit(utterances)
    assert np.array_equal(twin.encode(utterances[2]), tok.encode(utterances[2]))


def test_training_reduces_reconstruction_error(utterances):
    short = make_tokenizer("vq", **{**SMALL, "codebook_size": 16, "epochs": 1}).fit(utterances)
    longer = make_tokenizer("vq", **{**SMALL, "codebook_size": 16, "epochs": 8}).fit(utterances)
    assert longer.reconstruction_mse(utterances) <= short.reconstruction_mse(utterances) + 1e-3
    assert longer.train_loss_[-1] < longer.train_loss_[0]


def test_fit_is_reproducible(utterances):
    a = make_tokenizer("rvq", codebook_size=8, n_codebooks=2, **SMALL).fit(utterances)
    b = make_tokenizer("rvq", codebook_size=8, n_codebooks=2, **SMALL).fit(utterances)
    assert np.array_equal(a.encode(utterances[1]), b.encode(utterances[1]))


def test_bag_of_tokens_counts():
    ids = [np.array([[0, 1], [2, 1], [0, 0]]), np.array([[1, 2]])]
    X = bag_of_tokens(ids, (3, 3), buckets=16).toarray()
    assert X.shape == (2, 3 + 3 + 16)
    assert X[0, :6].tolist() == [2, 0, 1, 1, 2, 0]
    assert X[0, 6:].sum() == 2 and X[0, 6 + 0 * 3 + 2] == 1 and X[0, 6 + 2 * 3 + 0] == 1
    assert X[1].tolist()[:6] == [0, 1, 0, 0, 0, 1] and X[1, 6:].sum() == 0
    assert bag_of_tokens(ids, (3, 3), bigrams=False).shape == (2, 6)


def test_bad_inputs_give_clear_errors(fitted, utterances, tmp_path):
    tok = fitted["vq"]
    with pytest.raises(NotFittedError, match="fit"):
        KMeansTokenizer(8, n_features=N_FEATURES).encode(utterances[0])
    with pytest.raises(ValueError, match=r"\(T, 8\)"):
        tok.encode(np.zeros((20, 5), np.float32))
    with pytest.raises(ValueError, match="at least stack=2"):
        tok.encode(np.zeros((1, N_FEATURES), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        tok.encode(np.full((4, N_FEATURES), np.nan, np.float32))
    with pytest.raises(TypeError, match="path"):
        tok.encode("speech.wav")
    with pytest.raises(TypeError, match="list"):
        make_tokenizer("kmeans", n_codes=4, n_features=N_FEATURES).fit(utterances[0])
    with pytest.raises(ValueError, match="at least one"):
        make_tokenizer("kmeans", n_codes=4, n_features=N_FEATURES).fit([])
    with pytest.raises(ValueError, match="codebook size"):
        tok.decode(np.array([[16]]))
    with pytest.raises(ValueError, match=r"\(steps, 1\)"):
        tok.decode(np.zeros((3, 2), np.int64))
    with pytest.raises(TypeError, match="integers"):
        tok.decode(np.zeros((3, 1), np.float32))
    with pytest.raises(UnknownNameError, match="Did you mean"):
        make_tokenizer("rvqq")
    with pytest.raises(ValueError, match="'rvq'"):
        make_tokenizer("vq", n_codebooks=2, n_features=N_FEATURES).fit(utterances)
    with pytest.raises(ValueError, match=r"\[1, 8\]"):
        make_tokenizer("rvq", n_codebooks=9, n_features=N_FEATURES).fit(utterances)
    with pytest.raises(ValueError, match="needs at least"):
        KMeansTokenizer(4096, n_features=N_FEATURES).fit(utterances)
    with pytest.raises(FileNotFoundError, match="no saved audio tokenizer"):
        load_tokenizer(tmp_path / "nothing")
