"""Choose steering and circuit settings on training scenarios (never the held-out ones).

Usage (prints one line per setting; the output behind docs/results/circuits/dev_sweep.txt):

    .venv/bin/python benchmarks/lm_emotion_dev_sweep.py steer 12-21@1 16-25@1 16-25@2
    .venv/bin/python benchmarks/lm_emotion_dev_sweep.py circuit importance@2 importance@4 none@2
    .venv/bin/python benchmarks/lm_emotion_dev_sweep.py prompting
    ... --artifacts DIR   directions and circuit saved by `affectlab circuits discover`

12 training skeletons (every 11th), one valence each in turn, x 6 emotions; classifier judge;
median perplexity under the unmodified model.
"""

from __future__ import annotations

import argparse
import time

from affectlab import lm as L
from affectlab.lm.model.judges import get_judge
from affectlab.lm.steering.emotion_control import (
    GENERATION,
    condition_replies,
    default_circuit,
    default_directions,
    score_replies,
)
from affectlab.lm.steering.modulation import modulation_edits
from affectlab.lm.steering.scenarios import EMOTIONS, NEUTRAL_SYSTEM, VALENCES, emotion_system
from affectlab.lm.steering.vectors import steering_edits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["steer", "circuit", "prompting"])
    ap.add_argument("settings", nargs="*", help="steer: LAYERS@ALPHA; circuit: WEIGHTING@STRENGTH")
    ap.add_argument("--artifacts", help="folder with directions and circuit (default: packaged)")
    args = ap.parse_args()
    model = L.load()
    train, _ = L.split_scenarios(L.load_scenarios())
    dev = train[::11][:12]
    prompts = [s.prompt(VALENCES[k % 3]) for k, s in enumerate(dev)]
    dirs = L.load_directions(args.artifacts) if args.artifacts else default_directions(model)
    circ = L.load_circuit(args.artifacts) if args.artifacts else default_circuit(model)
    configs = []
    if args.kind == "prompting":
        configs.append(("prompting", lambda e: (emotion_system(e), {})))
    for spec in args.settings:
        left, _, right = spec.partition("@")
        value = float(right)
        if args.kind == "steer":
            configs.append((f"steer a={value} L={left}", lambda e, a=value, layers=left: (
                NEUTRAL_SYSTEM, steering_edits(dirs, e, a, layers))))
        else:
            configs.append((f"circuit s={value} w={left}", lambda e, s=value, w=left: (
                NEUTRAL_SYSTEM, modulation_edits(circ, e, s, weighting=w))))
    judges = {"classifier": get_judge("classifier")}
    for name, cond in configs:
        t = time.time()
        data = condition_replies(model, prompts, EMOTIONS, cond, GENERATION, False)
        r = score_replies(model, prompts, data, judges)
        c = r["classifier"]
        print(f"{name:28s} acc={c['accuracy']:.3f} among={c['accuracy_among_emotions']:.3f} "
              + " ".join(f"{e[:4]}={v:.2f}" for e, v in c["per_emotion"].items())
              + f" ppl={r['fluency']['perplexity_median']:.1f} "
              f"rep={r['fluency']['repetition_rate']:.3f} t={time.time() - t:.0f}s", flush=True)


if __name__ == "__main__":
    main()
