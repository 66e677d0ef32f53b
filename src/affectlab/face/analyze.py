"""`analyze_face`: every face in a photo -> box, pose, landmarks, action units, expression
probabilities in any scheme, valence and arousal.

One shared record per face (`affectlab.core.records`): source, modality ("face"), status, error,
scheme, probs, labels, top, valence, arousal, dominance, then `face` (its index, largest first),
`faces` (how many the photo holds), `box` (x0, y0, x1, y1 in the photo's pixels), `detection`
(score), `detector`, `yaw`, `pitch`, `roll` (degrees), `action_units` (0-5), `presence` (the
mesh's face probability), `landmarks` (478 x/y/z points, on request) and `flags`.
A photo without a face gives one record with status "no_face"; a file that cannot be read one
with its reason ("not-image", "truncated", "too-small", "too-large", "missing"). Nothing is
dropped and one bad file never stops a folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import OutputExistsError
from affectlab.core.records import OK, make_record
from affectlab.face.classifier import DEFAULT_DIR, FaceExpressionClassifier
from affectlab.face.image import ImageError, Photo, image_files, read_photo

MODALITY = "face"
NO_FACE = "no_face"
MISSING = "missing"
ERROR = "error"
LOW_PRESENCE = "low_presence"  # the mesh doubts this box holds a face
ModelLike = FaceExpressionClassifier | str | os.PathLike[str] | None


@lru_cache(maxsize=4)
def _load_cached(path: str, stamp: int) -> FaceExpressionClassifier:
    del stamp  # a model saved again is read again
    return FaceExpressionClassifier.load(path)


def get_face_model(model: ModelLike = None) -> FaceExpressionClassifier:
    """The given model, one saved at a path, or the shipped FER2013 default."""
    if isinstance(model, FaceExpressionClassifier):
        return model
    from affectlab.core.manifest import MANIFEST

    folder = DEFAULT_DIR if model is None else Path(model).resolve()
    try:
        stamp = (folder / MANIFEST).stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_cached(str(folder), stamp)


def _target(clf: FaceExpressionClassifier, scheme: str | None) -> tuple[str | None, list[str]]:
    if scheme is None:
        return clf.scheme_name, list(clf.labels_)
    from affectlab.ontology import get_scheme

    s = get_scheme(scheme)
    if clf.scheme is None:
        raise ValueError("this model's labels belong to no scheme, so it cannot answer in "
                         f"{s.name!r}; leave scheme unset")
    return s.name, list(s.label_names)


def analyze_face(image: str | os.PathLike[str] | np.ndarray | Any, scheme: str | None = None,
                 *, model: ModelLike = None, detector: str = "auto", landmarks: bool = False,
                 max_faces: int | None = None, min_score: float | None = None,
                 source: str | None = None, embedding: bool = False) -> list[dict[str, Any]]:
    """Records for every face in one photo (a path, an RGB/gray array or a PIL image).

    Raises for a bad argument; a photo that cannot be read or holds no face comes back as one
    record with that status (see the module docstring). `detector`: "auto" (both BlazeFace
    models), "short", "full", "haar", or "whole" (the image is one face crop). `embedding`
    adds each face's feature vector (what the expression head read) as a list of floats.
    """
    from affectlab.face.detect import DETECTORS

    if detector not in DETECTORS:
        from affectlab.core.errors import UnknownNameError

        raise UnknownNameError("detector", detector, DETECTORS)
    if max_faces is not None and max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, got {max_faces}")
    clf = get_face_model(model)
    target, labels = _target(clf, scheme)
    src = source if source is not None else (
        str(image) if isinstance(image, str | os.PathLike) else None)
    try:
        photo = read_photo(image)
    except FileNotFoundError as exc:
        return [make_record(src, MODALITY, status=MISSING, error=str(exc), scheme=target)]
    except ImageError as exc:
        return [make_record(src, MODALITY, status=exc.reason, error=str(exc), scheme=target)]
    return _analyze_photo(photo, src, clf, target, labels, detector, landmarks, max_faces,
                          min_score, embedding)


def _analyze_photo(photo: Photo, src: str | None, clf: FaceExpressionClassifier,
                   target: str | None, labels: list[str], detector: str, landmarks: bool,
                   max_faces: int | None, min_score: float | None,
                   embedding: bool = False) -> list[dict[str, Any]]:
    from affectlab.face.action_units import intensities
    from affectlab.face.align import aligned_crop
    from affectlab.face.detect import detect_faces
    from affectlab.face.geometry import head_pose
    from affectlab.face.mesh import face_mesh, iris

    found = detect_faces(photo.rgb, detector, min_score=min_score, max_faces=max_faces)
    if not found:
        return [make_record(src, MODALITY, status=NO_FACE, error="no face found in the image",
                            scheme=target, face=None, faces=0, flags=list(photo.flags))]
    meshes = [face_mesh(photo.rgb, d) for d in found]
    crops = np.stack([aligned_crop(photo.rgb, m.points) for m in meshes])
    probs, feats = clf.proba_and_features(crops, np.stack([m.points for m in meshes]))
    vad_of = clf.label_vad()
    mapped = probs if target == clf.scheme_name else clf.map_proba(probs, target)
    back = 1.0 / photo.scale  # analysed pixels -> the file's own pixels
    out = []
    for i, (det, mesh) in enumerate(zip(found, meshes, strict=True)):
        vad = probs[i] @ vad_of if vad_of is not None else [None] * 3
        flags = list(photo.flags)
        if mesh.presence < 0.5:
            flags.append(LOW_PRESENCE)
        extra: dict[str, Any] = {
            "face": i, "faces": len(found),
            "box": [round(v * back, 2) for v in det.box], "detection": det.score,
            "detector": det.detector, **head_pose(mesh.points),
            "action_units": intensities(mesh.points), "presence": mesh.presence,
        }
        if landmarks:
            pts = np.vstack([mesh.points, iris(photo.rgb, mesh.points)])
            extra["landmarks"] = (pts * np.array([back, back, back])).round(2).tolist()
        if embedding:
            extra["embedding"] = feats[i].astype(np.float32).tolist()
        extra["flags"] = flags
        out.append(make_record(src, MODALITY, scheme=target,
                               probs=dict(zip(labels, mapped[i].tolist(), strict=True)),
                               labels=[labels[int(np.argmax(mapped[i]))]],
                               valence=vad[0], arousal=vad[1], dominance=vad[2], **extra))
    return out


def _inputs(source: str | os.PathLike[str] | Iterable[Any]) -> list[Any]:
    if isinstance(source, str | os.PathLike):
        p = Path(source)
        if p.is_dir():
            files = image_files(p)
            if not files:
                raise FileNotFoundError(f"no image files under {p}")
            return files
        return [p]
    out = []
    for s in source:
        p = Path(s)
        out.extend(image_files(p) if p.is_dir() else [p])
    return out


def analyze_faces(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                  scheme: str | None = None, *, model: ModelLike = None, detector: str = "auto",
                  landmarks: bool = False, max_faces: int | None = None,
                  min_score: float | None = None, output: str | os.PathLike[str] | None = None,
                  overwrite: bool = False, draw: str | os.PathLike[str] | None = None,
                  progress: bool = False) -> list[dict[str, Any]]:
    """Every face of one photo, a list of photos, or every image under a folder, in input order.

    `output` (.json, .jsonl, .csv, .parquet) receives the records atomically and makes the run
    resumable (a journal of finished photos beside it); `draw` writes each photo with its boxes,
    landmarks and top label into that folder.
    """
    from affectlab.core.journal import SUFFIX, Journal, file_key
    from affectlab.core.progress import track
    from affectlab.core.tables import RECORD_FORMATS, file_format, output_lock, write_records
    from affectlab.face.detect import DETECTORS

    if detector not in DETECTORS:  # argument errors fail at once, not once per photo
        from affectlab.core.errors import UnknownNameError

        raise UnknownNameError("detector", detector, DETECTORS)
    if max_faces is not None and max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, got {max_faces}")
    out = None if output is None else Path(output)
    if out is not None:
        file_format(out, RECORD_FORMATS)
        if out.exists() and not overwrite and not Path(str(out) + SUFFIX).exists():
            raise OutputExistsError(f"{out} already exists: pass overwrite=True (--overwrite) "
                                    "to replace it")
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        raise FileNotFoundError(f"no such file or directory: {source}")
    clf = get_face_model(model)
    target, _ = _target(clf, scheme)
    files = _inputs(source)
    header = {"journal": "affectlab-analyze-face", "version": 1, "scheme": target,
              "model": clf.manifest_.config.get("weights_sha256") if hasattr(
                  clf, "manifest_") else repr(clf),
              "detector": detector, "landmarks": landmarks, "max_faces": max_faces,
              "min_score": min_score}

    def run(journal: Any) -> list[dict[str, Any]]:
        done = journal.done if journal is not None else {}
        results: list[dict[str, Any]] = []
        for f in track(files, "analysing faces", show=progress):
            key = file_key(f)
            recs = done.get(key, {}).get("records") if key else None
            if recs is None:
                try:
                    recs = analyze_face(f, scheme, model=clf, detector=detector,
                                        landmarks=landmarks, max_faces=max_faces,
                                        min_score=min_score)
                except Exception as exc:  # noqa: BLE001 - one photo must not stop the rest
                    recs = [make_record(str(f), MODALITY, status=ERROR, scheme=target,
                                        error=f"{type(exc).__name__}: {exc}")]
                if journal is not None and key and recs[0]["status"] != ERROR:
                    journal.add(key, {"records": recs})
            if draw is not None and recs[0]["status"] == OK:
                _draw(f, recs, Path(draw))
            results.extend(recs)
        return results

    if out is None:
        return run(None)
    from affectlab.core.files import clean_stale_temporaries

    with output_lock(out):
        clean_stale_temporaries(out)
        with Journal(out, header) as journal:
            results = run(journal)
        write_records(results, out, overwrite=True)
        journal.discard()
    return results


def _draw(file: Path, records: list[dict[str, Any]], folder: Path) -> None:
    from affectlab.face.draw import draw_records, save_image

    photo = read_photo(file, max_side=10**6)
    save_image(draw_records(photo.rgb, records), folder / f"{file.stem}.png")


__all__ = ["MODALITY", "NO_FACE", "analyze_face", "analyze_faces", "get_face_model"]
