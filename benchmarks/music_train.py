"""Train the shipped music models: static V/A, per-bar dual-scale V/A, emotion prototypes
(VGMIDI labels) and the attribute-conditioned generator (unlabelled MIDI: music21 corpus + VGMIDI).

Each part is saved as a model folder with its manifest (`static/`, `dynamic/`, `prototypes/`,
`generator/`); training.json keeps the record of every part.

    python benchmarks/music_train.py [--out src/affectlab/music/default_model] [--steps 2500]
        [--only static,dynamic,prototypes,generator] [--music21-limit 300] [--music21-max N]

The shipped generator: --music21-max 334 --steps 2500 (its record says --cached-only: the cache
then held exactly those 334 works).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab.core.files import write_json
from affectlab.datasets import corpus_dir
from affectlab.music.corpus import vgmidi_phrases, vgmidi_sequences
from affectlab.music.dynamic import DynamicConfig, DynamicMusicEmotion
from affectlab.music.generator import GeneratorConfig, MusicGenerator
from affectlab.music.prototypes import EmotionPrototypes
from affectlab.music.static import StaticMusicEmotion
from affectlab.music.unlabelled import corpus_segments, music21_midi

PARTS = ("static", "dynamic", "prototypes", "generator")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="src/affectlab/music/default_model")
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--steps", type=int, default=2500, help="generator training steps")
    ap.add_argument("--bars", type=int, default=8, help="bars per generator training segment")
    ap.add_argument("--music21-limit", type=int, default=300, help="works per music21 folder")
    ap.add_argument("--music21-max", type=int, default=None,
                    help="music21 works in all (the shipped generator: 334, i.e. 300 Bach "
                    "chorales and 34 Palestrina works; one fails to convert)")
    ap.add_argument("--cached-only", action="store_true",
                    help="use only music21 works already converted to MIDI in the cache")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    card: dict = {"machine": machine(), "command": " ".join(sys.argv)}
    if "static" in parts or "prototypes" in parts:
        phrases = vgmidi_phrases()
        if "static" in parts:
            card["static"] = {"trained_on": f"VGMIDI, {len(phrases)} labelled phrases"}
            StaticMusicEmotion().fit(phrases, phrases).save(out / "static",
                                                            training=_record(card, "static"))
        if "prototypes" in parts:
            protos = EmotionPrototypes().fit(phrases)
            card["prototypes"] = {"sources": protos.sources}
            protos.save(out / "prototypes", training=_record(card, "prototypes"))
    if "dynamic" in parts:
        seqs = vgmidi_sequences()
        card["dynamic"] = {"trained_on": f"VGMIDI, {len(seqs)} pieces, mean annotator curves"}
        DynamicMusicEmotion(DynamicConfig(epochs=60)).fit(
            [s.features for s in seqs], [s.mean_curve for s in seqs], progress=True
        ).save(out / "dynamic", training=_record(card, "dynamic"))
    if "generator" in parts:
        t0 = time.time()
        if args.cached_only:
            from affectlab.datasets import cache_dir

            files = sorted(str(p) for p in (cache_dir() / "music21_midi").glob("*.mid"))
        else:
            files = [str(p) for p in music21_midi(limit_per_composer=args.music21_limit,
                                                  max_works=args.music21_max, progress=True)]
        vg = sorted(glob.glob(str(corpus_dir("vgmidi") / "labelled" / "midi" / "*.mid")))
        # music21's engraved scores have no performance tempo or loudness: those stay unknown.
        segs = (corpus_segments(files, n_bars=args.bars, hop=args.bars // 2, progress=True,
                                performance=False)
                + corpus_segments(vg, n_bars=args.bars, hop=args.bars // 2, progress=True))
        config = GeneratorConfig(steps=args.steps, max_len=640, segment_bars=args.bars)
        gen = MusicGenerator.train(segs, config, progress=True)
        card["generator"] = {"files": {"music21": len(files), "vgmidi": len(vg)},
                             "segments": len(segs), "bars_per_segment": args.bars,
                             "steps": args.steps, "seconds": round(time.time() - t0, 1),
                             "parameters": sum(p.numel() for p in gen.model.parameters())}
        gen.save(out / "generator", training=_record(card, "generator"))
    command = card.pop("command")
    for part in parts:  # each part keeps the command that trained it
        card[part]["command"] = command
    old = json.loads((out / "training.json").read_text()) if (out / "training.json").exists() else {}
    old.pop("command", None)
    write_json(old | card, out / "training.json", indent=1)
    print(json.dumps(card, indent=1))


def _record(card: dict, part: str) -> dict:
    """What a part's manifest says about its training (the same as training.json holds)."""
    return {**card[part], "command": card["command"], "machine": card["machine"],
            "record": "training.json"}


if __name__ == "__main__":
    main()
