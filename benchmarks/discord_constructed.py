"""Ambivalence/hesitancy as cross-modal discord, on a test set built from real parts with known
congruence. This is NOT BAH's data (there is no A/H corpus here): each segment joins a real
voice (an EmoDB utterance), a real face (a FER2013 test face) and a real text (a GoEmotions
test comment with one Ekman label). Congruent: all three show the same emotion. Discordant: one
or two modalities show an emotion of the opposite valence (joy against anger, disgust, fear or
sadness). The 10 EmoDB speakers are the "persons" (subject adaptation uses their own segments);
each person's segments form "videos" of 8 segments, half of which hold no discordant segment.

Each modality is read by affectlab's own models, in the Ekman-7 scheme: faces by the shipped
CNN (not trained on FER2013 test), texts by the shipped text model (not trained on GoEmotions
test), voices by an eGeMAPS model trained leave-one-speaker-out (the shipped one saw every
EmoDB speaker). The threshold for the F1 scores is chosen on half the persons and applied to
the other half; average precision needs none.

    python benchmarks/discord_constructed.py [--segments-per-utterance 2] [--out docs/results/multimodal]
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
from affectlab.multimodal.discord import (
    adapt_by_subject,
    bah_report,
    best_threshold,
    discord_score,
    video_scores,
)
from affectlab.ontology import get_scheme, label_vad, map_proba

EKMAN = list(get_scheme("ekman7").label_names)
EMOTIONS = ["anger", "disgust", "fear", "joy", "sadness"]
OPPOSITE = {"joy": ["anger", "disgust", "fear", "sadness"], "anger": ["joy"],
            "disgust": ["joy"], "fear": ["joy"], "sadness": ["joy"]}
VAL = np.array([label_vad(x, "ekman7").valence for x in EKMAN])


def _ekman(p: np.ndarray, scheme: str) -> np.ndarray:
    m = np.asarray(map_proba(p, scheme, "ekman7").probs, float)
    return m / np.maximum(m.sum(1, keepdims=True), 1e-12)


def voices() -> dict:
    """EmoDB: leave-one-speaker-out Ekman-7 distributions per utterance."""
    from affectlab.speech.audio import load_audio
    from affectlab.speech.classifier import SpeechEmotionClassifier

    df = load("emodb")
    df = df[[lab[0] != "boredom" for lab in df["labels"]]].reset_index(drop=True)
    clf = SpeechEmotionClassifier("emodb7", "egemaps")
    X = clf.featurize([load_audio(p) for p in df["path"]], progress=True)
    y = [lab[0] for lab in df["labels"]]
    spk = df["subject"].to_numpy()
    probs = np.zeros((len(df), len(EKMAN)))
    for s in np.unique(spk):
        tr = spk != s
        m = SpeechEmotionClassifier("emodb7", "egemaps", C=0.1).fit(
            X[tr], [y[i] for i in np.flatnonzero(tr)], heads=("global",))
        p = m.proba_from_features(X[~tr])
        probs[~tr] = _ekman(p, "emodb7") if list(m.labels_) else p
    emo = [{"happiness": "joy"}.get(x, x) for x in y]
    return {"probs": probs, "emotion": np.array(emo), "speaker": spk}


def faces(n_per: int, rng: np.random.Generator) -> dict:
    from affectlab.face.classifier import FaceExpressionClassifier
    from affectlab.face.corpora import gray_faces

    df = load("fer2013", split="test")
    fer = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "joy",
           "sad": "sadness"}
    picked = []
    for f in fer:
        idx = np.flatnonzero(np.array([lab[0] == f for lab in df["labels"]]))
        picked += list(rng.choice(idx, min(n_per, len(idx)), replace=False))
    sub = df.iloc[picked].reset_index(drop=True)
    X = gray_faces(list(sub["path"]))
    p = FaceExpressionClassifier.load().predict_proba(X)
    return {"probs": _ekman(p, "fer7"), "emotion": np.array([fer[lab[0]] for lab in
                                                             sub["labels"]])}


def texts(n_per: int, rng: np.random.Generator) -> dict:
    from affectlab.text.analyze import analyze

    df = load("goemotions", split="test", variant="ekman")
    one = df[[len(lab) == 1 and lab[0] in EMOTIONS for lab in df["labels"]]]
    picked = []
    for e in EMOTIONS:
        idx = np.flatnonzero(np.array([lab[0] == e for lab in one["labels"]]))
        picked += list(rng.choice(idx, min(n_per, len(idx)), replace=False))
    sub = one.iloc[picked]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recs = analyze(list(sub["text"]), "ekman7")
    probs = np.array([[r["probs"].get(x, 0.0) or 0.0 for x in EKMAN] for r in recs])
    probs = probs / np.maximum(probs.sum(1, keepdims=True), 1e-12)
    return {"probs": probs, "emotion": np.array([lab[0] for lab in sub["labels"]])}


def build(v: dict, f: dict, t: dict, rng: np.random.Generator, per_utt: int) -> dict:
    """Segments: each voice utterance (not neutral) with a congruent or discordant face/text."""
    by = {k: {e: np.flatnonzero(d["emotion"] == e) for e in EMOTIONS} for k, d in
          (("face", f), ("text", t))}
    rows = []
    for i, e in enumerate(v["emotion"]):
        if e not in EMOTIONS:
            continue
        for _ in range(per_utt):
            discordant = bool(rng.random() < 0.5)
            want = {"voice": e, "face": e, "text": e}
            if discordant:
                options = [["face"], ["text"], ["face", "text"], ["voice"]]
                flip = options[int(rng.integers(len(options)))]
                other = str(rng.choice(OPPOSITE[e]))
                for m in flip:
                    want[m] = other
            if want["voice"] != e:  # the voice is fixed: flip the two others instead
                want = {"voice": e, "face": want["voice"], "text": want["voice"]}
            rows.append({"voice": i, "face": int(rng.choice(by["face"][want["face"]])),
                         "text": int(rng.choice(by["text"][want["text"]])),
                         "y": int(discordant), "speaker": v["speaker"][i]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments-per-utterance", type=int, default=2)
    ap.add_argument("--faces-per-emotion", type=int, default=200)
    ap.add_argument("--texts-per-emotion", type=int, default=150)
    ap.add_argument("--out", type=Path, default=Path("docs/results/multimodal"))
    a = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(0)
    v, f, t = voices(), faces(a.faces_per_emotion, rng), texts(a.texts_per_emotion, rng)
    rows = build(v, f, t, rng, a.segments_per_utterance)
    y = np.array([r["y"] for r in rows])
    spk = np.array([r["speaker"] for r in rows])
    P = {m: np.stack([d["probs"][r[m]] for r in rows]) for m, d in
         (("voice", v), ("face", f), ("text", t))}
    V = {m: P[m] @ VAL for m in P}
    # videos: per person, 8 segments; half the videos drawn from congruent segments only
    vids = np.empty(len(rows), dtype=object)
    keep = np.zeros(len(rows), bool)
    for s in np.unique(spk):
        con = list(rng.permutation(np.flatnonzero((spk == s) & (y == 0))))
        dis = list(rng.permutation(np.flatnonzero((spk == s) & (y == 1))))
        k = 0
        while len(con) >= 8 and (k % 2 == 0 or (len(con) >= 5 and len(dis) >= 3)):
            take = [con.pop() for _ in range(8)] if k % 2 == 0 else \
                [con.pop() for _ in range(5)] + [dis.pop() for _ in range(3)]
            vids[take], keep[take] = f"{s}-{k}", True
            k += 1
    acc = {m: float((P[m].argmax(1) == np.array([EKMAN.index(d["emotion"][r[m]])
                                                  for r in rows])).mean())
           for m, d in (("voice", v), ("face", f), ("text", t))}
    results = {}
    for name, w in (("distributions only", 0.0), ("valence only", 1.0), ("both", 0.5)):
        raw = discord_score([P[m] for m in P], [V[m] for m in V], valence_weight=w)
        for adapt in (False, True):
            s = adapt_by_subject(raw, spk) if adapt else raw
            persons = np.unique(spk)
            dev = np.isin(spk, persons[::2])  # thresholds from half the people ...
            test = ~dev                         # ... scored on the other half
            th = best_threshold(y[dev], s[dev])
            vth = best_threshold(*video_scores(y[dev & keep], s[dev & keep], vids[dev & keep]))
            rep = bah_report(y[test], s[test], th)
            vrep = bah_report(y[test & keep], s[test & keep], th, vids[test & keep], vth)
            rep.update({k: v for k, v in vrep.items() if k.startswith("video")})
            rep["ap_all_segments"] = bah_report(y, s, th)["frame_ap"]
            results[f"{name}{', subject-adapted' if adapt else ''}"] = rep
    res = {"machine": machine(), "segments": len(rows), "discordant": int(y.sum()),
           "persons": len(np.unique(spk)), "videos": len(set(vids[keep])),
           "modality_accuracy_ekman": acc, "results": results,
           "seconds": time.time() - t0, "note": "constructed from real parts; not BAH's data",
           "command": "python benchmarks/discord_constructed.py"}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "discord_constructed.json").write_text(json.dumps(res, indent=1))
    print(f"{len(rows)} segments ({int(y.sum())} discordant), {res['persons']} persons, "
          f"{res['videos']} videos; accuracy of each modality's top label: {acc}")
    print("| score | AP (all segments) | frame F1 (test persons) | frame AP | video F1 | "
          "video AP |")
    for k, r in results.items():
        print(f"| {k} | {r['ap_all_segments']:.3f} | {r['frame_f1_macro']:.3f} | "
              f"{r['frame_ap']:.3f} | {r['video_f1_macro']:.3f} | {r['video_ap']:.3f} |")


if __name__ == "__main__":
    main()
