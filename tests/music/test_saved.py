"""Saved music models: one folder with `affectlab.json` each; older files still load."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from _legacy import (
    buckets_file,
    dynamic_folder,
    generator_folder,
    model_folder,
    prototypes_file,
    static_file,
)
from _midi_files import progression, write
from sklearn.base import clone

from affectlab.core.errors import ManifestError, ModelNotFoundError, NotFittedError
from affectlab.core.manifest import read_manifest
from affectlab.music import analyze_music, compose
from affectlab.music.attributes import ATTRIBUTES, AttributeBuckets
from affectlab.music.dynamic import DynamicConfig, DynamicMusicEmotion
from affectlab.music.generator import MusicGenerator
from affectlab.music.models import DEFAULT_DIR, PARTS, part_path
from affectlab.music.prototypes import EmotionPrototypes
from affectlab.music.static import QUADRANTS, StaticMusicEmotion

LOADERS = {"static": StaticMusicEmotion, "dynamic": DynamicMusicEmotion,
           "generator": MusicGenerator, "prototypes": EmotionPrototypes}


def _frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(ATTRIBUTES))), columns=list(ATTRIBUTES))
    return X.assign(valence=np.sign(X["mode"] + 0.01), arousal=np.sign(X["tempo"] + 0.01))


def _curves(n=4, seed=0):
    rng = np.random.default_rng(seed)
    feats = [rng.normal(size=(6, len(ATTRIBUTES))) for _ in range(n)]
    return feats, [np.tanh(f[:, :2]) for f in feats]


def test_every_part_is_a_folder_with_its_manifest(music_models):
    for part, cls in LOADERS.items():
        manifest = read_manifest(music_models / part, f"music.{part}")
        assert manifest.format_version == 1 and manifest.affectlab_version
        assert all((music_models / part / f).is_file() for f in manifest.files)
        assert cls.load(music_models / part) is not None
    assert read_manifest(music_models / "static", "music.static").scheme == "russell4"
    assert read_manifest(music_models / "static", "music.static").labels == list(QUADRANTS)


@pytest.mark.skipif(not (DEFAULT_DIR / "static").is_dir(), reason="no shipped music model")
def test_the_shipped_folder_is_in_the_new_layout():
    for part in PARTS:
        assert (DEFAULT_DIR / part / "affectlab.json").is_file(), part
        assert part_path(None, part) == DEFAULT_DIR / part
    assert (DEFAULT_DIR / "MODEL_CARD.md").is_file() and (DEFAULT_DIR / "training.json").is_file()
    assert not (DEFAULT_DIR / "static.json").exists()


def test_round_trips(tmp_path):
    X = _frame()
    static = StaticMusicEmotion(C=0.5).fit(X, X)
    again = StaticMusicEmotion.load(static.save(tmp_path / "static", training={"rows": 40}))
    pd.testing.assert_frame_equal(again.decision(X), static.decision(X))
    assert again.C == 0.5
    assert read_manifest(tmp_path / "static", "music.static").training == {"rows": 40}

    buckets = AttributeBuckets(4).fit(X)
    back = AttributeBuckets.load(buckets.save(tmp_path / "buckets"))
    assert back.n_buckets == 4 and back.edges == buckets.edges
    np.testing.assert_array_equal(back.transform(X), buckets.transform(X))

    protos = EmotionPrototypes().fit(X.assign(id=[f"r{i}" for i in range(len(X))]))
    back_p = EmotionPrototypes.load(protos.save(tmp_path / "protos"))
    assert back_p.vectors == protos.vectors and back_p.sources == protos.sources

    feats, curves = _curves()
    dyn = DynamicMusicEmotion(DynamicConfig(epochs=1, d_model=8, n_heads=2)).fit(feats, curves)
    back_d = DynamicMusicEmotion.load(dyn.save(tmp_path / "dyn"))
    assert back_d.config == dyn.config
    np.testing.assert_allclose(back_d.predict(feats[0]), dyn.predict(feats[0]), atol=1e-7)


def test_generator_round_trip(music_models, tmp_path):
    gen = MusicGenerator.load(music_models / "generator")
    again = MusicGenerator.load(gen.save(tmp_path / "gen"))
    assert (tmp_path / "gen" / "model.safetensors").read_bytes() == \
        (music_models / "generator" / "model.safetensors").read_bytes()
    a, _ = gen.generate([1] * len(ATTRIBUTES), n_bars=2, seed=5)
    b, _ = again.generate([1] * len(ATTRIBUTES), n_bars=2, seed=5)
    np.testing.assert_array_equal(a, b)


def test_another_kind_is_refused(music_models, tmp_path):
    for part, cls in LOADERS.items():
        other = "prototypes" if part == "static" else "static"
        with pytest.raises(ManifestError, match=f"music.{other}"):
            cls.load(music_models / other)
    with pytest.raises(ManifestError):
        AttributeBuckets.load(music_models / "static")
    static = StaticMusicEmotion.load(music_models / "static")
    legacy = static_file(static, tmp_path / "static.json")
    with pytest.raises(ManifestError, match="music.static"):
        EmotionPrototypes.load(legacy)  # an old file of another kind, given as a path
    with pytest.raises(ManifestError, match="not a"):
        StaticMusicEmotion.load(write(tmp_path / "x.mid", progression()))  # not JSON at all


def test_a_newer_format_is_refused(music_models, tmp_path):
    for part, cls in LOADERS.items():
        folder = shutil.copytree(music_models / part, tmp_path / part)
        manifest = json.loads((folder / "affectlab.json").read_text())
        manifest["format_version"] = 2
        (folder / "affectlab.json").write_text(json.dumps(manifest))
        with pytest.raises(ManifestError, match="upgrade affectlab"):
            cls.load(folder)


def test_missing_incomplete_and_other_attributes(music_models, tmp_path):
    with pytest.raises(ModelNotFoundError):
        StaticMusicEmotion.load(tmp_path / "nothing")
    with pytest.raises(ModelNotFoundError):
        DynamicMusicEmotion.load(tmp_path)  # a folder without a manifest
    folder = shutil.copytree(music_models / "dynamic", tmp_path / "dyn")
    (folder / "weights.safetensors").unlink()
    with pytest.raises(ManifestError, match="incomplete"):
        DynamicMusicEmotion.load(folder)
    folder = shutil.copytree(music_models / "static", tmp_path / "static")
    manifest = json.loads((folder / "affectlab.json").read_text())
    manifest["config"]["attributes"] = ["tempo"]
    (folder / "affectlab.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="attribute set"):
        StaticMusicEmotion.load(folder)
    with pytest.raises(NotFittedError):
        StaticMusicEmotion().save(tmp_path / "unfitted")


def test_legacy_files_and_folders_still_load(music_models, tmp_path):
    X = _frame()
    static = StaticMusicEmotion.load(music_models / "static")
    for path in (static_file(static, tmp_path / "s.json"),  # the old file, given as a path
                 static_file(static, tmp_path / "old" / "static.json").parent):  # its folder
        pd.testing.assert_frame_equal(StaticMusicEmotion.load(path).decision(X),
                                      static.decision(X))
    protos = EmotionPrototypes.load(music_models / "prototypes")
    old = EmotionPrototypes.load(prototypes_file(protos, tmp_path / "p.json"))
    assert old.vectors == protos.vectors and old.sources == protos.sources
    buckets = AttributeBuckets(3).fit(X)
    assert AttributeBuckets.load(buckets_file(buckets, tmp_path / "b.json")).edges == buckets.edges

    dyn = DynamicMusicEmotion.load(music_models / "dynamic")
    old_dyn = DynamicMusicEmotion.load(dynamic_folder(music_models / "dynamic", tmp_path / "d"))
    feats, _ = _curves()
    np.testing.assert_array_equal(old_dyn.predict(feats[0]), dyn.predict(feats[0]))

    gen = MusicGenerator.load(music_models / "generator")
    old_gen = MusicGenerator.load(generator_folder(gen, music_models / "generator",
                                                   tmp_path / "g"))
    np.testing.assert_array_equal(old_gen.generate([2] * len(ATTRIBUTES), 2, seed=1)[0],
                                  gen.generate([2] * len(ATTRIBUTES), 2, seed=1)[0])


def test_a_whole_legacy_model_folder_analyses_and_composes_the_same(music_models, tmp_path):
    old = model_folder(music_models, tmp_path / "old_models")
    assert part_path(old, "static") == old / "static.json"
    piece = write(tmp_path / "p.mid", progression(repeats=2))
    assert analyze_music(piece, model=old) == analyze_music(piece, model=music_models)
    a = compose("joy", bars=2, seed=4, model=str(old))
    b = compose("joy", bars=2, seed=4, model=str(music_models))
    np.testing.assert_array_equal(a.pop("_notes"), b.pop("_notes"))
    assert a == b


@pytest.mark.parametrize("make", [
    lambda: StaticMusicEmotion(C=0.3),
    lambda: AttributeBuckets(n_buckets=4),
    lambda: EmotionPrototypes(),
    lambda: DynamicMusicEmotion(DynamicConfig(epochs=1, d_model=8, n_heads=2)),
])
def test_estimators_clone_and_refit(make):
    est = make()
    X = _frame()
    feats, curves = _curves()
    data = (feats, curves) if isinstance(est, DynamicMusicEmotion) else \
        (X, X) if isinstance(est, StaticMusicEmotion) else (X,)
    fitted = est.fit(*data)
    twin = clone(fitted)
    assert twin is not fitted and twin.get_params() == fitted.get_params()
    assert not [k for k in vars(twin) if k.endswith("_") and not k.startswith("_")]
    refit = twin.fit(*data)
    assert [k for k in vars(refit) if k.endswith("_") and not k.startswith("_")]
    if isinstance(est, StaticMusicEmotion):
        pd.testing.assert_frame_equal(refit.decision(X), fitted.decision(X))
    elif isinstance(est, AttributeBuckets):
        assert refit.edges == fitted.edges
    elif isinstance(est, EmotionPrototypes):
        assert refit.vectors == fitted.vectors
    else:
        np.testing.assert_allclose(refit.predict(feats[0]), fitted.predict(feats[0]), atol=1e-6)
