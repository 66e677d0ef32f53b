"""Acoustic features for speech emotion: openSMILE sets and a licence-free log-mel path.

Three utterance-level feature sets, one call each (`extract(audio, "egemaps")`):

- ``egemaps``: the 88 eGeMAPSv02 functionals (Eyben et al., 2016) through openSMILE;
- ``compare``: the 6,373 ComParE 2016 functionals through openSMILE;
- ``logmel``: statistics of log-mel bands, MFCCs, their deltas, energy and zero-crossing rate,
  computed with numpy/scipy only, so it carries no licence restriction.

openSMILE ships under a research-only licence; it is installed with the ``speech`` extra and
imported only when an openSMILE set is asked for. Frame-level descriptors (`frames`) feed the
audio tokenizers.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from affectlab.core.errors import MissingBackendError, UnknownNameError
from affectlab.speech.audio import SAMPLE_RATE, Audio, load_audio

OPENSMILE_SETS = {"egemaps": "eGeMAPSv02", "compare": "ComParE_2016"}
FEATURE_SETS = ("egemaps", "compare", "logmel")
FRAME_SETS = ("logmel", "mfcc", "egemaps_lld")

# Log-mel analysis: 25 ms windows every 10 ms, 64 mel bands up to 8 kHz, 20 MFCCs.
WIN = 400
HOP = 160
N_FFT = 512
N_MELS = 64
N_MFCC = 20
FRAME_RATE = SAMPLE_RATE / HOP  # 100 frames per second
#: Bumped whenever a feature's computation changes, so stale caches are not reused.
FEATURE_VERSION = 1


@lru_cache(maxsize=4)
def _smile(kind: str, level: str):
    try:
        import opensmile
    except ImportError as exc:
        raise MissingBackendError(
            f"the {kind!r} features need openSMILE (research licence): "
            "pip install 'affectlab[speech]', or use features='logmel'") from exc
    return opensmile.Smile(
        feature_set=getattr(opensmile.FeatureSet, OPENSMILE_SETS[kind]),
        feature_level=getattr(opensmile.FeatureLevel, level))


def opensmile_available() -> bool:
    """Whether the openSMILE feature sets can run here."""
    try:
        import opensmile  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=2)
def mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, sr: int = SAMPLE_RATE,
                   fmin: float = 20.0, fmax: float | None = None) -> np.ndarray:
    """Triangular filters on the HTK mel scale, (n_mels, n_fft // 2 + 1), each of unit area."""
    fmax = fmax or sr / 2
    hz_to_mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)
    mel_to_hz = lambda m: 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None] - lo) / (mid - lo)
    down = (hi - bins[None]) / (hi - mid)
    fb = np.clip(np.minimum(up, down), 0.0, None)
    return (fb * (2.0 / (hi - lo))).astype(np.float32)


def log_mel(signal: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Log-mel energies, (frames, N_MELS), 25 ms Hann windows every 10 ms."""
    x = np.asarray(signal, dtype=np.float32)
    if len(x) < WIN:
        x = np.pad(x, (0, WIN - len(x)))
    n = 1 + (len(x) - WIN) // HOP
    idx = np.arange(WIN)[None] + HOP * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(WIN).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, N_FFT, axis=1)) ** 2
    return np.log(power @ mel_filterbank(sr=sr).T + 1e-8).astype(np.float32)


def mfcc(logmel: np.ndarray, n: int = N_MFCC) -> np.ndarray:
    """MFCCs from log-mel frames (orthonormal DCT-II)."""
    from scipy.fft import dct

    return dct(logmel, type=2, axis=1, norm="ortho")[:, :n].astype(np.float32)


def deltas(frames: np.ndarray, width: int = 2) -> np.ndarray:
    """Regression deltas over +-`width` frames (edges repeated)."""
    t = np.pad(frames, ((width, width), (0, 0)), mode="edge")
    num = sum(k * (t[width + k: len(t) - width + k] - t[width - k: len(t) - width - k])
              for k in range(1, width + 1))
    return (num / (2 * sum(k * k for k in range(1, width + 1)))).astype(np.float32)


def _frame_energy_zcr(signal: np.ndarray, n: int) -> np.ndarray:
    x = np.asarray(signal, dtype=np.float32)
    if len(x) < WIN:
        x = np.pad(x, (0, WIN - len(x)))
    idx = np.arange(WIN)[None] + HOP * np.arange(n)[:, None]
    frames = x[idx]
    energy = np.log(np.mean(frames ** 2, axis=1) + 1e-10)
    zcr = np.mean(np.abs(np.diff(np.sign(frames), axis=1)) > 0, axis=1)
    return np.stack([energy, zcr], axis=1).astype(np.float32)


def logmel_frames(signal: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Per-frame descriptors of the licence-free path: log-mel, MFCC, their deltas, energy, ZCR."""
    lm = log_mel(signal, sr)
    mf = mfcc(lm)
    ez = _frame_energy_zcr(signal, len(lm))
    return np.concatenate([lm, mf, deltas(mf), ez, deltas(ez)], axis=1)


_FUNCTIONALS = ("mean", "std", "p10", "p50", "p90", "range", "slope")


def functionals(frames: np.ndarray) -> np.ndarray:
    """Mean, std, 10/50/90th percentiles, 10-90 range and linear slope of every column."""
    f = np.asarray(frames, dtype=np.float64)
    p10, p50, p90 = np.percentile(f, [10, 50, 90], axis=0)
    t = np.arange(len(f)) - (len(f) - 1) / 2
    slope = (t @ (f - f.mean(0))) / max(float(t @ t), 1e-12)
    return np.concatenate([f.mean(0), f.std(0), p10, p50, p90, p90 - p10, slope]).astype(
        np.float32)


def logmel_names() -> list[str]:
    cols = ([f"mel{i}" for i in range(N_MELS)] + [f"mfcc{i}" for i in range(N_MFCC)]
            + [f"mfcc{i}_d" for i in range(N_MFCC)] + ["energy", "zcr", "energy_d", "zcr_d"])
    return [f"{c}_{s}" for s in _FUNCTIONALS for c in cols]


def feature_names(kind: str) -> list[str]:
    """Column names of an utterance-level feature set."""
    kind = check_kind(kind)
    if kind == "logmel":
        return logmel_names()
    return list(_smile(kind, "Functionals").feature_names)


def check_kind(kind: str, allowed: Sequence[str] = FEATURE_SETS) -> str:
    key = str(kind).strip().lower().replace("-", "_")
    if key not in allowed:
        raise UnknownNameError("feature set", str(kind), allowed)
    return key


def extract(audio: Audio | str | os.PathLike[str], kind: str = "egemaps") -> np.ndarray:
    """One utterance's feature vector (float32) for feature set `kind`."""
    kind = check_kind(kind)
    a = audio if isinstance(audio, Audio) else load_audio(audio)
    if kind == "logmel":
        return functionals(logmel_frames(a.signal, a.sample_rate))
    values = _smile(kind, "Functionals").process_signal(a.signal, a.sample_rate).to_numpy()
    return np.nan_to_num(values[0].astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def frames(audio: Audio | str | os.PathLike[str], kind: str = "logmel") -> np.ndarray:
    """Frame-level descriptors at 100 frames/s: "logmel" (64 bands), "mfcc" (20 + 20 deltas),
    or "egemaps_lld" (the 25 eGeMAPS low-level descriptors, openSMILE)."""
    kind = check_kind(kind, FRAME_SETS)
    a = audio if isinstance(audio, Audio) else load_audio(audio)
    if kind == "logmel":
        return log_mel(a.signal, a.sample_rate)
    if kind == "mfcc":
        m = mfcc(log_mel(a.signal, a.sample_rate))
        return np.concatenate([m, deltas(m)], axis=1)
    values = _smile("egemaps", "LowLevelDescriptors").process_signal(a.signal, a.sample_rate)
    return np.nan_to_num(values.to_numpy().astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def extract_many(items: Iterable[Audio | str | os.PathLike[str]], kind: str = "egemaps", *,
                 progress: bool = True, cache: str | os.PathLike[str] | None = None,
                 preprocess: Callable[[Audio], Audio] | None = None) -> np.ndarray:
    """Feature matrix (n, d) for many utterances; with `cache`, a finished matrix is saved under
    a name keyed by the inputs and reused, so a rerun costs nothing."""
    items = list(items)
    kind = check_kind(kind)
    target = _cache_path(cache, items, kind, preprocess) if cache is not None else None
    if target is not None and target.exists():
        return np.load(target)
    from affectlab.core.progress import track

    rows = []
    for item in track(items, f"{kind} features", show=progress):
        a = item if isinstance(item, Audio) else load_audio(item)
        rows.append(extract(preprocess(a) if preprocess else a, kind))
    X = np.stack(rows) if rows else np.zeros((0, len(feature_names(kind))), np.float32)
    if target is not None:
        from affectlab.core.files import atomic_path

        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            np.save(fh, X)
    return X


def preprocess_tag(preprocess: Callable | None) -> str:
    """A stable name for a preprocessing step, part of the cache key: its `cache_tag`
    attribute, or module.qualname plus the bound arguments of a functools.partial."""
    import functools

    if preprocess is None:
        return "none"
    tag = getattr(preprocess, "cache_tag", None)
    if tag is not None:
        return str(tag)
    if isinstance(preprocess, functools.partial):
        kw = sorted(preprocess.keywords.items())
        return f"{preprocess_tag(preprocess.func)}{preprocess.args!r}{kw!r}"
    name = getattr(preprocess, "__qualname__", "")
    if not name or "<lambda>" in name or "<locals>" in name:
        raise TypeError("cache= with preprocess= needs a module-level function, a "
                        "functools.partial of one, or a callable with a `cache_tag` attribute")
    return f"{preprocess.__module__}.{name}"


def _backend_version(kind: str) -> str:
    if kind not in OPENSMILE_SETS:
        return ""
    from importlib.metadata import version

    return "opensmile-" + version("opensmile")


def _cache_path(cache: str | os.PathLike[str], items: list, kind: str,
                preprocess: Callable | None) -> Path:
    h = hashlib.sha1(f"{kind}|v{FEATURE_VERSION}|{_backend_version(kind)}".encode())
    h.update(preprocess_tag(preprocess).encode())
    for item in items:
        if isinstance(item, Audio):
            raise TypeError("cache= needs file paths, not signals in memory")
        p = Path(item).resolve()
        st = p.stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}".encode())
    return Path(cache) / f"{kind}-{h.hexdigest()[:16]}.npy"


__all__ = ["FEATURE_SETS", "FRAME_RATE", "FRAME_SETS", "MissingBackendError", "deltas",
           "extract", "extract_many", "feature_names", "frames", "functionals", "log_mel",
           "logmel_frames", "mel_filterbank", "mfcc", "opensmile_available"]
