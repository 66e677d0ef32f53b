"""Emotion-intensity editing (EmoReg-style) on synthetic Gaussians, plus one EmoDB check."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.directions import Direction
from affectlab.errors import UnknownNameError
from affectlab.speech.editing import (
    GRID,
    EmotionEditor,
    IntensityCurve,
    feature_group,
    feature_shifts,
    intensity_curve,
    load_editor,
)

EMOS = ["anger", "neutral", "sadness"]
D = 6


def gaussians(n: int = 60, seed: int = 0, sep: float = 4.0, speakers: int = 3,
              offset: float = 10.0):
    """Three well-separated emotions; each speaker adds its own offset and scale."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(123).normal(scale=sep, size=(len(EMOS), D))
    X, y, s = [], [], []
    for k in range(speakers):
        shift = rng.normal(scale=offset, size=D)
        scale = rng.uniform(0.5, 2.0, size=D) if offset else np.ones(D)
        for e, c in zip(EMOS, centres, strict=True):
            X.append(shift + scale * (c + rng.normal(size=(n, D))))
            y += [e] * n
            s += [f"spk{seed}-{k}"] * n
    return np.concatenate(X), y, s


@pytest.fixture(scope="module")
def data():
    return gaussians()


@pytest.fixture(scope="module")
def editor(data):
    X, y, _ = data
    return EmotionEditor().fit(X, y)


def test_zero_intensity_returns_the_input_exactly(data, editor):
    X, _, _ = data
    Z = editor.embed(X)
    assert np.array_equal(editor.edit(Z, "anger", "sadness", 0.0), Z)
    assert np.array_equal(editor.edit(Z[0], "anger", "sadness", 0), Z[0])
    np.testing.assert_allclose(editor.transform(X, "anger", "sadness", 0.0), X, atol=1e-9)


def test_full_intensity_moves_the_source_mean_onto_the_target_mean(data, editor):
    X, y, _ = data
    Z = editor.embed(X)
    rows = np.array(y) == "anger"
    moved = editor.edit(Z[rows], "anger", "sadness", 1.0)
    np.testing.assert_allclose(moved.mean(axis=0), editor.means_["sadness"], atol=1e-12)
    native = editor.transform(X[rows], "anger", "sadness", 1.0)
    np.testing.assert_allclose(native.mean(axis=0), X[np.array(y) == "sadness"].mean(axis=0),
                               atol=1e-9)
    half = editor.edit(Z[rows], "anger", "sadness", 0.5).mean(axis=0)
    np.testing.assert_allclose(half, (editor.means_["anger"] + editor.means_["sadness"]) / 2,
                               atol=1e-12)


def test_directions_are_direction_objects_between_the_means(editor):
    dirs = editor.directions()
    assert set(dirs) == {(s, t) for s in EMOS for t in EMOS if s != t}
    for (s, t), d in dirs.items():
        assert isinstance(d, Direction)
        assert d.space == "egemaps-standardised" and d.name == f"{s}->{t}"
        assert np.array_equal(d.vector, editor.means_[t] - editor.means_[s])
        assert d == Direction.between(editor.means_[s], editor.means_[t], name=f"{s}->{t}",
                                      space="egemaps-standardised")
    # the edit is the shared algebra's interpolation
    e = np.ones(D)
    assert np.array_equal(editor.edit(e, "neutral", "anger", 0.3),
                          dirs[("neutral", "anger")].interpolate(e, 0.3))


def test_per_row_intensities(data, editor):
    Z = editor.embed(data[0][:4])
    i = np.array([0.0, 0.25, 0.5, 1.0])
    out = editor.edit(Z, "anger", "neutral", i)
    v = editor.direction("anger", "neutral").vector
    np.testing.assert_allclose(out, Z + i[:, None] * v)


def test_gmm_centres():
    X, y, _ = gaussians(seed=1)
    mixture = EmotionEditor("gmm", gmm_centre="mixture", n_components=2).fit(X, y)
    plain = EmotionEditor("class").fit(X, y)
    for e in EMOS:  # the mixture's mean is the sample mean at an EM fixed point
        np.testing.assert_allclose(mixture.means_[e], plain.means_[e], atol=1e-8)
        assert mixture.gmms_[e]["means"].shape == (2, D)
    # a class with a minority sub-cluster: the dominant component ignores it, the mean does not
    rng = np.random.default_rng(0)
    main = rng.normal(size=(160, D))
    stray = rng.normal(size=(40, D)) + 12.0
    other = rng.normal(size=(200, D)) - 5.0
    Xs = np.concatenate([main, stray, other])
    ys = ["fear"] * 200 + ["neutral"] * 200
    dom = EmotionEditor("gmm", standardise="none", random_state=0).fit(Xs, ys)
    cls = EmotionEditor("class", standardise="none").fit(Xs, ys)
    assert np.linalg.norm(dom.means_["fear"] - main.mean(axis=0)) < 0.3
    assert np.linalg.norm(cls.means_["fear"] - main.mean(axis=0)) > 4.0
    assert isinstance(dom.direction("neutral", "fear"), Direction)


def test_per_speaker_standardisation_removes_speaker_offsets():
    X, y, s = gaussians(seed=2, speakers=4)
    ed = EmotionEditor(standardise="speaker").fit(X, y, s)
    assert ed.embedding_space == "egemaps-speaker-standardised"
    Z = ed.embed(X, s)
    for spk in set(s):  # every speaker is centred and scaled on its own
        rows = np.array(s) == spk
        np.testing.assert_allclose(Z[rows].mean(axis=0), 0, atol=1e-9)
        np.testing.assert_allclose(Z[rows].std(axis=0), 1, atol=1e-9)
    # an unseen speaker is standardised with its own rows, and mapped back the same way
    Xn, _, sn = gaussians(seed=3, speakers=1)
    Zn = ed.embed(Xn, sn)
    np.testing.assert_allclose(Zn.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(ed.to_native(Zn, sn, reference=Xn), Xn, atol=1e-9)
    edited = ed.transform(Xn, "neutral", "anger", 1.0, sn)
    assert edited.shape == Xn.shape
    with pytest.raises(ValueError, match="pass `speakers`"):
        ed.embed(X)
    with pytest.raises(ValueError, match="needs `speakers`"):
        EmotionEditor(standardise="speaker").fit(X, y)
    with pytest.raises(ValueError, match="not seen in fit"):
        ed.to_native(Zn, sn)


def test_probability_of_the_target_rises_monotonically():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xa, ya, _ = gaussians(seed=10, sep=2.0, offset=0.0)   # the editor's data
    Xb, yb, _ = gaussians(seed=11, sep=2.0, offset=0.0)   # the classifier's data
    Xc, yc, _ = gaussians(seed=12, sep=2.0, offset=0.0)   # the utterances that are edited
    ed = EmotionEditor().fit(Xa, ya)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xb, yb)
    curve = intensity_curve(ed, clf, Xc, yc, intensities=GRID)
    assert len(curve.pairs) == 6 and curve.p.shape == (6, len(GRID))
    mono = curve.monotonicity(tol=0.0)
    assert all(m["monotone"] for m in mono.values())
    assert all(m["rho"] > 0.99 for m in mono.values())
    assert curve.p[:, 0].max() < 0.2 and curve.p[:, -1].min() > 0.6
    assert curve.share_monotone() == 1.0
    # the curve is a pure function of the inputs: pooling one curve returns it
    pooled = IntensityCurve.pool([curve, curve])
    np.testing.assert_allclose(pooled.p, curve.p)
    assert pooled.to_dict()["share_monotone"] == 1.0
    # a classifier that does not know the target emotion is refused by name
    clf2 = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(
        Xb[np.array(yb) != "anger"], [v for v in yb if v != "anger"])
    with pytest.raises(UnknownNameError, match="classifier"):
        intensity_curve(ed, clf2, Xc, yc, pairs=[("neutral", "anger")])


def test_monotonicity_flags_a_drop():
    curve = IntensityCurve(np.array([0.0, 0.5, 1.0]), [("a", "b"), ("b", "a")],
                           np.array([[0.1, 0.5, 0.45], [0.1, 0.105, 0.2]]), np.array([3, 3]))
    m = curve.monotonicity(tol=0.01)
    assert not m[("a", "b")]["monotone"] and m[("a", "b")]["max_drop"] == pytest.approx(0.05)
    assert m[("b", "a")]["monotone"] and m[("b", "a")]["rho"] == pytest.approx(1.0)
    assert curve.share_monotone(0.01) == 0.5


def test_save_and_load_round_trip(tmp_path, data):
    X, y, s = data
    for ed in (EmotionEditor(standardise="speaker", feature_names=[f"f{j}" for j in range(D)]
                             ).fit(X, y, s),
               EmotionEditor("gmm").fit(X, y)):
        folder = ed.save(tmp_path / f"editor-{ed.means}", meta={"corpus": "synthetic"})
        back = load_editor(folder)
        assert isinstance(back, EmotionEditor)
        assert back.get_params() == ed.get_params()
        assert back.classes_ == ed.classes_ and back.feature_names_ == ed.feature_names_
        assert back.meta_ == {"corpus": "synthetic"}
        for pair, d in ed.directions().items():
            assert back.directions()[pair] == d
        spk = s if ed.standardise == "speaker" else None
        np.testing.assert_array_equal(back.transform(X, "anger", "neutral", 0.7, spk),
                                      ed.transform(X, "anger", "neutral", 0.7, spk))
        assert set(back.gmms_) == set(ed.gmms_)
    with pytest.raises(FileNotFoundError, match="no saved emotion editor"):
        EmotionEditor.load(tmp_path / "missing")


def test_saved_editor_is_one_manifest_and_safetensors(tmp_path, data):
    import json

    X, y, s = data
    ed = EmotionEditor(standardise="speaker").fit(X, y, s)
    folder = ed.save(tmp_path / "ed")
    assert sorted(p.name for p in folder.iterdir()) == ["affectlab.json", "editor.safetensors"]
    manifest = json.loads((folder / "affectlab.json").read_text())
    assert manifest["kind"] == "speech.editor" and manifest["format_version"] == 1
    assert manifest["labels"] == EMOS and manifest["files"] == ["editor.safetensors"]
    # a folder of another kind, or of a newer format, is refused with a clear error
    wrong = dict(manifest, kind="speech.classifier")
    (folder / "affectlab.json").write_text(json.dumps(wrong))
    with pytest.raises(ManifestError, match="speech.classifier"):
        EmotionEditor.load(folder)
    newer = dict(manifest, format_version=2)
    (folder / "affectlab.json").write_text(json.dumps(newer))
    with pytest.raises(ManifestError, match="version 2"):
        EmotionEditor.load(folder)


def _save_legacy(ed: EmotionEditor, folder: Path, meta: dict) -> None:
    """An editor folder as affectlab wrote it before the shared manifest (editor.json + .npz)."""
    import json

    speakers = list(ed.speaker_stats_)
    arrays = {"means": np.stack([ed.means_[c] for c in ed.classes_]), "mean": ed.mean_,
              "scale": ed.scale_}
    if speakers:
        arrays["speaker_mean"] = np.stack([ed.speaker_stats_[k][0] for k in speakers])
        arrays["speaker_scale"] = np.stack([ed.speaker_stats_[k][1] for k in speakers])
    for c, g in ed.gmms_.items():
        arrays[f"gmm_weights/{c}"] = g["weights"]
        arrays[f"gmm_means/{c}"] = g["means"]
    info = {"kind": "affectlab.speech.EmotionEditor", "format": 1,
            "params": ed._json_params(), "classes": ed.classes_,
            "embedding_space": ed.embedding_space, "feature_names": ed.feature_names_,
            "speakers": speakers, "n_samples": ed.n_samples_, "meta": meta}
    folder.mkdir(parents=True)
    np.savez(folder / "editor.npz", **{k.replace("/", "__"): v for k, v in arrays.items()})
    (folder / "editor.json").write_text(json.dumps(info, indent=1))


def test_an_editor_saved_by_older_affectlab_still_loads(tmp_path, data):
    X, y, s = data
    for ed in (EmotionEditor(standardise="speaker").fit(X, y, s), EmotionEditor("gmm").fit(X, y)):
        folder = tmp_path / f"old-{ed.means}"
        _save_legacy(ed, folder, {"corpus": "synthetic"})
        back = EmotionEditor.load(folder)
        assert back.get_params() == ed.get_params() and back.classes_ == ed.classes_
        assert back.meta_ == {"corpus": "synthetic"} and set(back.gmms_) == set(ed.gmms_)
        spk = s if ed.standardise == "speaker" else None
        np.testing.assert_array_equal(back.transform(X, "anger", "neutral", 0.7, spk),
                                      ed.transform(X, "anger", "neutral", 0.7, spk))
        again = back.save(tmp_path / f"new-{ed.means}")  # and it saves in today's format
        assert (again / "affectlab.json").is_file()
        np.testing.assert_array_equal(EmotionEditor.load(again).transform(
            X, "anger", "neutral", 0.7, spk), ed.transform(X, "anger", "neutral", 0.7, spk))


def test_editor_clones_and_refits(data):
    from sklearn.base import clone

    X, y, s = data
    ed = EmotionEditor("gmm", standardise="speaker", n_components=3,
                       feature_names=tuple(f"f{j}" for j in range(D))).fit(X, y, s)
    twin = clone(ed)
    assert twin.get_params() == ed.get_params() and not hasattr(twin, "means_")
    twin.fit(X, y, s)
    np.testing.assert_array_equal(twin.transform(X, "anger", "sadness", 0.5, s),
                                  ed.transform(X, "anger", "sadness", 0.5, s))
    with pytest.raises(UnknownNameError):
        ed.set_params(standardize="global")


def test_errors(data, editor):
    X, y, _ = data
    Z = editor.embed(X[:3])
    with pytest.raises(UnknownNameError, match="Did you mean: anger") as err:
        editor.edit(Z, "angr", "sadness", 0.5)
    assert "sadness" in str(err.value)
    with pytest.raises(UnknownNameError):
        editor.direction("anger", "joy")
    for bad in (float("nan"), float("inf"), -0.1, 1.5):
        with pytest.raises(ValueError, match="intensity"):
            editor.edit(Z, "anger", "sadness", bad)
    with pytest.raises(ValueError, match="finite"):
        editor.edit(Z, "anger", "sadness", np.array([0.1, np.nan, 0.2]))
    with pytest.raises(ValueError, match=f"{D} features"):
        editor.edit(np.zeros((2, D + 1)), "anger", "sadness", 0.5)
    with pytest.raises(ValueError, match=f"{D} features"):
        editor.embed(np.zeros(D - 1))
    with pytest.raises(NotFittedError, match="not fitted"):
        EmotionEditor().direction("anger", "sadness")
    with pytest.raises(NotFittedError):
        EmotionEditor().embed(X)
    with pytest.raises(UnknownNameError):
        EmotionEditor(means="kmeans").fit(X, y)
    with pytest.raises(ValueError, match="at least two"):
        EmotionEditor().fit(X[:5], ["anger"] * 5)
    with pytest.raises(ValueError, match="exactly one emotion"):
        EmotionEditor().fit(X[:2], [["anger", "fear"], ["sadness"]])
    # one-element label lists (the corpora's `labels` column) are accepted
    ed = EmotionEditor().fit(X, [[v] for v in y])
    assert ed.classes_ == EMOS


def test_feature_groups_and_shifts():
    assert feature_group("F0semitoneFrom27.5Hz_sma3nz_amean") == "pitch"
    assert feature_group("loudness_sma3_amean") == "loudness"
    assert feature_group("loudnessPeaksPerSec") == "rate"
    assert feature_group("VoicedSegmentsPerSec") == "rate"
    assert feature_group("MeanUnvoicedSegmentLength") == "rate"
    assert feature_group("HNRdBACF_sma3nz_amean") == "voice quality"
    assert feature_group("jitterLocal_sma3nz_amean") == "voice quality"
    assert feature_group("mfcc2V_sma3nz_amean") == "spectral"
    assert feature_group("F2frequency_sma3nz_amean") == "spectral"
    assert feature_group("dim3") == "other"
    names = ["F0semitoneFrom27.5Hz_sma3nz_amean", "loudness_sma3_amean", "VoicedSegmentsPerSec",
             "HNRdBACF_sma3nz_amean", "mfcc1_sma3_amean", "alphaRatioV_sma3nz_amean"]
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(100, 6)) * [2, 0.1, 0.5, 1, 1, 1],
                        rng.normal(size=(100, 6)) * [2, 0.1, 0.5, 1, 1, 1] + [6, 0, 0, 0, 0, 0]])
    y = ["neutral"] * 100 + ["anger"] * 100
    ed = EmotionEditor(feature_names=names).fit(X, y)
    out = feature_shifts(ed, "neutral", "anger", top=2)
    assert out["top"][0]["feature"] == names[0] and out["top"][0]["group"] == "pitch"
    native_diff = X[100:, 0].mean() - X[:100, 0].mean()   # semitones, in native units
    assert out["top"][0]["native"] == pytest.approx(native_diff, rel=1e-9)
    assert out["top"][0]["native_from"] == pytest.approx(X[:100, 0].mean(), rel=1e-9)
    assert out["key"]["pitch"]["native_to"] - out["key"]["pitch"]["native_from"] == \
        pytest.approx(out["key"]["pitch"]["native"])
    assert max(out["groups"], key=out["groups"].get) == "pitch"
    half = feature_shifts(ed, "neutral", "anger", intensity=0.5)
    assert half["top"][0]["z"] == pytest.approx(out["top"][0]["z"] / 2)
    assert feature_shifts(ed, target="anger")["direction"] == "others->anger"


def test_emodb_anger_sadness_edits_raise_the_target():
    """Speaker-disjoint editor / classifier / edited groups on EmoDB (anger and sadness)."""
    from affectlab.datasets import DatasetFormatError, DatasetNotFoundError, load_emodb

    try:
        df = load_emodb()
    except (DatasetNotFoundError, DatasetFormatError, OSError) as exc:  # absent or unreadable
        pytest.skip(f"EmoDB corpus not available ({type(exc).__name__}: {exc})")
    from affectlab.speech.features import extract_many, opensmile_available

    if not opensmile_available():
        pytest.skip("openSMILE (eGeMAPS) not installed: pip install 'affectlab[speech]'")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df = df[[lab[0] in ("anger", "sadness") for lab in df["labels"]]]
    groups = {"editor": ["03", "08"], "classifier": ["09", "13"], "edited": ["10", "11"]}
    df = df[df["subject"].isin([s for v in groups.values() for s in v])].reset_index(drop=True)
    cache = Path(tempfile.gettempdir()) / "affectlab-speech-cache"
    X = extract_many(df["path"], "egemaps", cache=cache, progress=False).astype(np.float64)
    y = [lab[0] for lab in df["labels"]]
    spk = df["subject"].astype(str).to_numpy()
    part = {k: np.isin(spk, v) for k, v in groups.items()}
    ed = EmotionEditor(standardise="speaker").fit(X[part["editor"]],
                                                  [y[i] for i in np.flatnonzero(part["editor"])],
                                                  spk[part["editor"]])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(
        X[part["classifier"]], [y[i] for i in np.flatnonzero(part["classifier"])])
    rows = np.flatnonzero(part["edited"])
    curve = intensity_curve(ed, clf, X[rows], [y[i] for i in rows], spk[rows])
    for (s, t), m in curve.monotonicity(tol=0.02).items():
        assert m["monotone"], (s, t, curve.curve(s, t))
        assert curve.curve(s, t)[-1] > curve.curve(s, t)[0] + 0.3, curve.curve(s, t)
