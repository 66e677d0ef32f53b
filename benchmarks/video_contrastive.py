"""Modality-pairwise contrastive learning on the video pipeline's own embeddings.

There is no corpus of unlabeled clips here, so this script builds clips from real parts: each
clip shows one real face photo (facial_expressions, in-the-wild, 175x175 grey) for the length
of one real spoken sentence (EmoDB), with one real written comment (a GoEmotions test comment)
as its subtitle. THIS IS NOT A VIDEO CORPUS: the three modalities were joined by this script.

- Congruent clips, one per EmoDB sentence (not boredom): face, voice and text all show the
  sentence's emotion (anger, disgust, fear, joy, sadness, neutral). These carry the labels.
- Unpaired clips (`--unpaired`, a fraction of that count): a face and a text drawn without
  regard to the voice's emotion, as real footage often is. Used only by the unsupervised stage.
- Each photo and each comment is dealt to one speaker, so none is seen on both sides of a
  split (there are only 21 fear faces: a speaker's two or three are shown again).

Every clip goes through `analyze_videos(..., embeddings=True)` (faces found and read by the
face CNN, voiced segments by the speech model's features, subtitles by the text encoder);
`timeline_views` averages each modality's vectors over the clip's steps where all three are
present. Then, leave-one-speaker-out over EmoDB's 10 speakers: the contrastive encoders learn
without labels on the training speakers' clips (congruent and unpaired), a logistic regression
reads their frozen outputs, and the held-out speaker's congruent clips are scored (accuracy,
macro-F1 over the six emotions). Against: each modality alone, early fusion (the three vectors
side by side) and the same encoders without the contrastive stage.

    python benchmarks/video_contrastive.py [--unpaired 0.25] [--epochs 60] [--out docs/results/video]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab.datasets import load

EMOTIONS = ["anger", "disgust", "fear", "joy", "sadness", "neutral"]
EMODB = {"happiness": "joy"}
FACES = {"happiness": "joy"}
FPS_WRITE, RATE, SIDE = 10, 16_000, 240
MODALITIES = ("face", "voice", "text")


def parts(limit: int | None) -> tuple:
    """EmoDB sentences (`limit`: a random few, for a quick check), faces and comments."""
    voice = load("emodb")
    voice["emotion"] = [EMODB.get(x[0], x[0]) for x in voice["labels"]]
    voice = voice[voice["emotion"].isin(EMOTIONS)].reset_index(drop=True)
    if limit is not None:
        voice = voice.sample(limit, random_state=0).reset_index(drop=True)
    faces = load("facial_expressions")
    faces["emotion"] = [FACES.get(x[0], x[0]) for x in faces["labels"]]
    faces = faces[faces["emotion"].isin(EMOTIONS)].reset_index(drop=True)
    texts = load("goemotions", split="test", variant="ekman")
    texts = texts[[len(x) == 1 and x[0] in EMOTIONS for x in texts["labels"]]].copy()
    texts["emotion"] = [x[0] for x in texts["labels"]]
    return voice, faces, texts.reset_index(drop=True)


def plan(voice, faces, texts, unpaired: float, rng: np.random.Generator) -> list[dict]:
    """One congruent clip per sentence, then unpaired ones (any face, any text). Each face and
    each text belongs to one speaker only (dealt out in turn), so no photo or comment reaches
    both sides of a leave-one-speaker-out split: with 21 fear faces, a speaker's few are
    shown again within that speaker's clips only."""
    speakers = sorted(set(voice["subject"]))
    pools, shares = {}, {}
    for kind, d in (("face", faces), ("text", texts)):
        for e in EMOTIONS:
            idx = rng.permutation(np.flatnonzero(d["emotion"] == e))
            for k, s in enumerate(speakers):
                shares[kind, e, s] = list(idx[k::len(speakers)])
                if not shares[kind, e, s]:
                    raise ValueError(f"too few {kind}s of {e} to give each speaker one")
                pools[kind, e, s] = list(shares[kind, e, s])

    def draw(kind: str, emotion: str, speaker: str) -> int:
        pool = pools[kind, emotion, speaker]
        if not pool:  # this speaker's share was used up: shown again
            pool.extend(rng.permutation(shares[kind, emotion, speaker]))
        return int(pool.pop())

    clips = []
    for i, (e, s) in enumerate(zip(voice["emotion"], voice["subject"], strict=True)):
        clips.append({"voice": i, "face": draw("face", e, s), "text": draw("text", e, s),
                      "emotion": e, "congruent": True})
    for _ in range(round(unpaired * len(clips))):
        i = int(rng.integers(len(voice)))
        s = voice["subject"][i]
        clips.append({"voice": i, "face": draw("face", str(rng.choice(EMOTIONS)), s),
                      "text": draw("text", str(rng.choice(EMOTIONS)), s), "emotion": None,
                      "congruent": False})
    for k, c in enumerate(clips):  # the name says what the clip holds: no stale clip is reused
        c["name"] = f"clip{k:04d}-v{c['voice']}-f{c['face']}-t{c['text']}"
        c["speaker"] = str(voice["subject"][c["voice"]])
    return clips


def write_clips(clips: list[dict], voice, faces, texts, folder: Path) -> None:
    """Each clip as an MP4 (still face, the sentence with 0.25 s of silence either side) and
    an .srt beside it holding the comment for the clip's whole length (skips clips written)."""
    import soundfile as sf
    from PIL import Image

    from affectlab.video.write import write_clip

    folder.mkdir(parents=True, exist_ok=True)
    for c in clips:
        path = folder / f"{c['name']}.mp4"
        if path.exists():
            continue
        speech, sr = sf.read(voice["path"][c["voice"]], dtype="float32")
        assert sr == RATE, sr
        pad = np.zeros(RATE // 4, np.float32)
        sound = np.r_[pad, speech, pad]
        seconds = len(sound) / RATE
        face = np.asarray(Image.open(faces["path"][c["face"]]).convert("RGB").resize((SIDE, SIDE)))
        frames = (face for _ in range(int(np.ceil(seconds * FPS_WRITE))))
        end = time.strftime("%H:%M:%S", time.gmtime(seconds)) + f",{int(seconds % 1 * 1000):03d}"
        text = " ".join(str(texts["text"][c["text"]]).split())
        (folder / f"{c['name']}.srt").write_text(f"1\n00:00:00,000 --> {end}\n{text}\n",
                                                 encoding="utf-8")
        write_clip(path, frames, sound, fps=FPS_WRITE, rate=RATE)


def probe(Ztr: np.ndarray, ytr: list[str], Zte: np.ndarray) -> list[str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000,
                                                               class_weight="balanced"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(model.fit(Ztr, ytr).predict(Zte))


def loso(X: np.ndarray, splits: list[int], meta, epochs: int, seeds: int) -> dict:
    """Leave-one-speaker-out scores of every feature set (see the module docstring)."""
    from affectlab import metrics
    from affectlab.multimodal.contrastive import PairwiseContrastive, _signed_log

    edges = np.cumsum([0, *splits])
    views = {m: slice(edges[i], edges[i + 1]) for i, m in enumerate(MODALITIES)}
    labelled = meta["congruent"].to_numpy()
    y = meta["emotion"].to_numpy()
    speakers = meta["speaker"].to_numpy()
    preds: dict[str, np.ndarray] = {}
    retrieval: list[float] = []
    for s in sorted(set(speakers)):
        train, test = speakers != s, (speakers == s) & labelled
        fit_rows = train & labelled
        sets = {f"{m} alone": _signed_log(X[:, v]) for m, v in views.items()}
        sets["early fusion (side by side)"] = _signed_log(X)
        for name, Z in sets.items():
            preds.setdefault(name, np.empty(len(y), object))[test] = probe(
                Z[fit_rows], list(y[fit_rows]), Z[test])
        for pretrain in (True, False):
            name = ("contrastive + linear" if pretrain
                    else "same encoders, no contrastive stage")
            votes = []
            for seed in range(seeds):
                pc = PairwiseContrastive(splits, epochs=epochs, pretrain=pretrain, seed=seed)
                pc.fit(X[train])  # no labels: every training speaker's clip, unpaired too
                Z = pc.transform(X)
                votes.append(probe(Z[fit_rows], list(y[fit_rows]), Z[test]))
                if pretrain:
                    retrieval.append(pc.alignment(X[test]) * test.sum())
            key = f"{name} ({seeds} seeds)"
            preds.setdefault(key, np.empty(len(y), object))[test] = [
                max(set(v), key=v.count) for v in zip(*votes, strict=True)]
    out = {}
    for name, p in preds.items():
        gold, got = list(y[labelled]), list(p[labelled])
        out[name] = {"accuracy": float(metrics.accuracy(gold, got)),
                     "macro_f1": float(metrics.macro_f1(gold, got, labels=EMOTIONS))}
    out["_face->voice retrieval top-1 (contrastive, held-out speaker)"] = float(
        sum(retrieval) / (labelled.sum() * seeds))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--unpaired", type=float, default=0.25)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--limit", type=int, default=None, help="sentences (quick checks only)")
    ap.add_argument("--work", type=Path, default=Path("build/video_contrastive"))
    ap.add_argument("--out", type=Path, default=Path("docs/results/video"))
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    voice, faces, texts = parts(a.limit)
    clips = plan(voice, faces, texts, a.unpaired, rng)
    started = time.perf_counter()
    write_clips(clips, voice, faces, texts, a.work / "clips")
    written = time.perf_counter() - started
    from affectlab.multimodal.contrastive import timeline_views
    from affectlab.video.timeline import analyze_videos

    started = time.perf_counter()
    table = analyze_videos(a.work / "clips", output=a.work / "timeline.parquet", fps=a.fps,
                           transcribe=False, explain=False, embeddings=True, progress=True,
                           overwrite=True)
    analysed = time.perf_counter() - started
    X, splits, keys = timeline_views(table, MODALITIES)
    import pandas as pd
    import soundfile as sf

    keys["name"] = keys["source"].map(lambda p: Path(p).stem)
    meta = pd.DataFrame(clips).set_index("name")
    used = keys[keys["steps"] > 0].reset_index(drop=True)
    meta = meta.loc[used["name"]].reset_index()
    missing = keys[keys["steps"] == 0]["name"].tolist()
    scores = loso(X, splits, meta, a.epochs, a.seeds)
    result = {
        "protocol": "constructed clips (EmoDB sentence + facial_expressions face + GoEmotions "
                    "test comment as subtitle), leave-one-speaker-out over EmoDB's 10 speakers",
        "clips": len(clips), "congruent": int(sum(c["congruent"] for c in clips)),
        "clips_with_all_three_modalities": len(used), "clips_missing_a_modality": len(missing),
        "missing_by_congruence": {str(k): int(v) for k, v in pd.DataFrame(clips).set_index(
            "name").loc[missing, "congruent"].value_counts().items()} if missing else {},
        "widths": dict(zip(MODALITIES, splits, strict=True)), "fps": a.fps,
        "epochs": a.epochs, "seeds": a.seeds, "scores": scores,
        "seconds": {"writing clips": round(written, 1), "analyze_videos": round(analysed, 1)},
        "video_seconds": round(sum(sf.info(voice["path"][c["voice"]]).duration + 0.5
                                   for c in clips), 1),
        "machine": machine(),
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "video_contrastive.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
