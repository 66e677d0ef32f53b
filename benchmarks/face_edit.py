"""Think before drawing, measured: 20 neutral photos of 20 people (facial_expressions, not used
to fit the motion model), the six basic emotions drawn at intensity 0, 0.2, ..., 1, and judged
by expression models that took no part in the motion model (the `fer` mini-Xception, facex,
affectlab's CNN), by the action units re-estimated on the edited faces, against a control edit
that moves the same points by the same amounts in random directions.

    python benchmarks/face_edit.py [--faces 20] [--exaggeration 1,2] [--out docs/results/face_edit]

The committed figures draw the landmark meshes (the corpus's photos are not ours to publish);
the photo grids go to --photos (default build/face_edit).
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

from affectlab.datasets import load
from affectlab.datasets.faces import FER_LABELS
from affectlab.face.action_units import intensities
from affectlab.face.align import aligned_crop
from affectlab.face.classifier import FaceExpressionClassifier
from affectlab.face.detect import Detection, detect_faces
from affectlab.face.edit import _ring, face_region, moved_points, warp
from affectlab.face.features import pretrained_fer7
from affectlab.face.image import read_photo
from affectlab.face.mesh import face_mesh
from affectlab.face.plan import plan

EMOTIONS = {"joy": "happy", "sadness": "sad", "anger": "angry", "fear": "fear",
            "surprise": "surprise", "disgust": "disgust"}
LEVELS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def neutral_faces(n: int) -> list[tuple[str, np.ndarray, np.ndarray, Detection]]:
    df = load("facial_expressions")
    df = df[[r[0] == "neutral" for r in df.labels]].sort_values("id")
    out, people = [], set()
    for _, row in df.iterrows():
        if row.subject in people or row.subject.startswith("unnamed"):
            continue
        photo = read_photo(row.path)
        if photo.rgb.shape[:2] != (175, 175):
            continue
        found = detect_faces(photo.rgb)
        if len(found) != 1 or found[0].width < 60:
            continue
        out.append((row.path, photo.rgb, face_mesh(photo.rgb, found[0]).points, found[0]))
        people.add(row.subject)
        if len(out) == n:
            break
    return out


def judge(rgb: np.ndarray, det: Detection) -> tuple[np.ndarray, dict[str, float]]:
    pts = face_mesh(rgb, det).points
    return aligned_crop(rgb, pts), intensities(pts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faces", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path("docs/results/face_edit"))
    ap.add_argument("--photos", type=Path, default=Path("build/face_edit"))
    ap.add_argument("--exaggeration", default="1,2",
                    help="comma-separated gains: 1 is the shipped motion, 2 a caricature")
    a = ap.parse_args()
    gains = [float(g) for g in a.exaggeration.split(",")]
    a.out.mkdir(parents=True, exist_ok=True)
    a.photos.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    faces = neutral_faces(a.faces)
    cnn = FaceExpressionClassifier.load()
    rng = np.random.default_rng(0)
    crops = {}  # (kind, face, emotion, level) -> crop
    aus = {}
    outside: dict[str, list[float]] = {}
    grid, meshes = {}, {}
    for fi, (path, rgb, pts, det) in enumerate(faces):
        ring = _ring(pts, rgb.shape)
        region = face_region(pts, rgb.shape)
        for emo in EMOTIONS:
            p = plan(emo, intensity=1.0)
            full = moved_points(pts, p, 1.0) - pts[:, :2]
            angles = rng.uniform(0, 2 * np.pi, len(full))
            rand = np.linalg.norm(full, axis=1)[:, None] * np.stack([np.cos(angles),
                                                                     np.sin(angles)], 1)
            for g in gains:
                for lv in LEVELS:
                    for kind, delta in ((f"plan x{g:g}", full), (f"control x{g:g}", rand)):
                        dst = pts[:, :2] + g * lv * delta
                        img = warp(rgb, np.vstack([pts[:, :2], ring]), np.vstack([dst, ring]))
                        crop, units = judge(img, det)
                        crops[(kind, fi, emo, lv)] = crop
                        aus[(kind, fi, emo, lv)] = units
                        if kind.startswith("plan"):
                            diff = np.abs(img.astype(float) - rgb.astype(float)).mean(2)
                            outside.setdefault(kind, []).append(float(diff[~region].mean()))
                            if fi < 6 and g == gains[0]:
                                grid[(fi, emo, lv)] = img
                                meshes[(fi, emo, lv)] = dst
    keys = list(crops)
    X = np.stack([crops[k] for k in keys])
    judges = {"mini_xception": pretrained_fer7("mini_xception", X),
              "facex": pretrained_fer7("facex", X),
              "affectlab CNN": cnn.predict_proba(X)}
    res = {"machine": machine(), "faces": [f[0] for f in faces], "levels": LEVELS,
           "exaggeration": gains,
           "curves": {}, "au_spearman": {},
           "outside_mean_abs_grey": {k: float(np.mean(v)) for k, v in outside.items()},
           "outside_max_abs_grey": {k: float(np.max(v)) for k, v in outside.items()}}
    from scipy.stats import spearmanr

    for jname, probs in judges.items():
        table = {}
        for emo, fer in EMOTIONS.items():
            j = FER_LABELS.index(fer)
            for kind in [f"{k} x{g:g}" for g in gains for k in ("plan", "control")]:
                curve = [float(np.mean([probs[keys.index((kind, fi, emo, lv))][j]
                                        for fi in range(len(faces))])) for lv in LEVELS]
                table[f"{emo} {kind}"] = curve
        res["curves"][jname] = table
    for emo in EMOTIONS:
        p = plan(emo, intensity=1.0)
        for u, g in ((u, g) for u in p.units for g in gains):
            kind = f"plan x{g:g}"
            x = [lv for fi in range(len(faces)) for lv in LEVELS]
            y = [aus[(kind, fi, emo, lv)][u] for fi in range(len(faces)) for lv in LEVELS]
            mean_curve = [float(np.mean([aus[(kind, fi, emo, lv)][u]
                                         for fi in range(len(faces))])) for lv in LEVELS]
            res["au_spearman"][f"{emo} {u} x{g:g}"] = {
                "rho_pooled": float(spearmanr(x, y).statistic),
                "rho_mean_curve": float(spearmanr(LEVELS, mean_curve).statistic),
                "curve": mean_curve}
    res["seconds"] = time.time() - t0
    (a.out / "face_edit.json").write_text(json.dumps(res, indent=1))
    _figures(res, grid, meshes, faces, a.out, a.photos)
    _print(res)


def _mesh(ax, points: np.ndarray, tri: np.ndarray) -> None:
    ax.triplot(points[:, 0], -points[:, 1], tri, lw=0.3, color="0.25")
    ax.set_aspect("equal")
    ax.axis("off")


def _figures(res: dict, grid: dict, meshes: dict, faces: list, out: Path,
             photos: Path) -> None:
    from scipy.spatial import Delaunay

    from affectlab.core.plots import pyplot, save_figure
    from affectlab.face.edit import save_animation

    plt = pyplot()
    tri = {fi: Delaunay(f[2][:, :2]).simplices for fi, f in enumerate(faces[:6])}
    n_faces = min(6, len(faces))
    for what, draw, where in (("mesh", lambda ax, k: _mesh(ax, meshes[k], tri[k[0]]), out),
                              ("photo", lambda ax, k: (ax.imshow(grid[k]), ax.axis("off")),
                               photos)):
        fig, axes = plt.subplots(len(EMOTIONS), len(LEVELS),
                                 figsize=(len(LEVELS) * 1.6, len(EMOTIONS) * 1.7))
        for r, emo in enumerate(EMOTIONS):
            for c, lv in enumerate(LEVELS):
                draw(axes[r, c], (0, emo, lv))
                if r == 0:
                    axes[r, c].set_title(f"{lv:.1f}", fontsize=9)
            axes[r, 0].set_ylabel(emo)
            axes[r, 0].text(-0.05, 0.5, emo, transform=axes[r, 0].transAxes, ha="right",
                            va="center", fontsize=9)
        fig.suptitle(f"one neutral face ({what}), six emotions drawn at intensity 0 ... 1")
        save_figure(fig, where / f"face_edit_emotions_{what}.png")
        fig, axes = plt.subplots(n_faces, len(LEVELS), figsize=(len(LEVELS) * 1.6,
                                                                n_faces * 1.7))
        for r in range(n_faces):
            for c, lv in enumerate(LEVELS):
                draw(axes[r, c], (r, "joy", lv))
        fig.suptitle(f"joy at intensity 0 ... 1 on {n_faces} faces ({what})")
        save_figure(fig, where / f"face_edit_joy_{what}.png")
    frames = []
    for lv in LEVELS + LEVELS[::-1]:
        fig, ax = plt.subplots(figsize=(2.4, 2.6))
        _mesh(ax, meshes[(0, "joy", lv)], tri[0])
        ax.set_title(f"joy {lv:.1f}", fontsize=9)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy())
        plt.close(fig)
    save_animation(frames, out / "face_edit_joy_mesh.gif", fps=4)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    g0 = res["exaggeration"][0]
    for ax, (jname, table) in zip(axes, res["curves"].items(), strict=True):
        for i, emo in enumerate(EMOTIONS):
            col = f"C{i}"
            ax.plot(LEVELS, table[f"{emo} plan x{g0:g}"], "-o", color=col, label=emo)
            ax.plot(LEVELS, table[f"{emo} control x{g0:g}"], "--", color=col, alpha=0.6)
        ax.set_title(f"{jname}: target probability (dashed: random-direction control)",
                     fontsize=9)
        ax.set_xlabel(f"intensity (exaggeration {g0:g})")
    axes[0].legend(fontsize=8)
    save_figure(fig, out / "face_edit_curves.png")


def _print(res: dict) -> None:
    for jname, table in res["curves"].items():
        print(f"\n## {jname}")
        for k, v in table.items():
            steps = np.diff(v)
            print(f"| {k} | " + " ".join(f"{x:.3f}" for x in v)
                  + f" | monotone={bool((steps >= -0.01).all())} |")
    print("\n## AU Spearman")
    for k, v in res["au_spearman"].items():
        print(f"| {k} | pooled {v['rho_pooled']:.2f} | mean curve {v['rho_mean_curve']:.2f} |")
    for k, v in res["outside_mean_abs_grey"].items():
        print(f"outside the face, {k}: mean |change| {v:.3f} grey levels (max per photo "
              f"{res['outside_max_abs_grey'][k]:.3f})")
    print(f"{res['seconds']:.0f} s")


if __name__ == "__main__":
    main()
