"""An attribute-conditioned music generator (after EmoGen's attribute-to-music stage).

A small causal transformer (Hugging Face Llama architecture, trained here from scratch) reads
the control tokens (one percentile bucket per attribute) and writes bar/position/pitch/duration
events. It never sees an emotion label: emotion reaches it only through attributes (see
`affectlab.music.compose`). Decoding is constrained by the event grammar and the requested number
of bars, so every output is well-formed; tempo and loudness come from their requested buckets.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from affectlab.core.progress import progress_bar
from affectlab.music.attributes import ATTRIBUTES, AttributeBuckets
from affectlab.music.tokens import POSITIONS, Vocabulary, decode, encode
from affectlab.music.unlabelled import Segment

KIND = "music.generator"
WEIGHTS = "model.safetensors"
_TEMPO = ATTRIBUTES.index("tempo")
_VELOCITY = ATTRIBUTES.index("velocity")


@dataclass
class GeneratorConfig:
    """Model size and training settings."""

    n_buckets: int = 3
    segment_bars: int = 8  # bars per training run: the longest stretch written in one call
    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    max_len: int = 1024
    steps: int = 2000
    batch_size: int = 8
    lr: float = 1e-3
    warmup: int = 100
    seed: int = 0


#: Most notes that may start together (a chord of ten fingers plus a little); stops runaway loops.
MAX_ONSET_NOTES = 10


class GrammarProcessor:
    """Masks every token that would break the event grammar or the requested bar count.

    Within one onset a pitch may not repeat and at most `MAX_ONSET_NOTES` notes may start.
    """

    def __init__(self, vocab: Vocabulary, n_bars: int, prompt_len: int, bars_in_prompt: int = 0,
                 resume_at: int | None = None) -> None:
        """`resume_at`: index of the prompt's last BAR token when the prompt already holds bars."""
        self.vocab, self.n_bars, self.prompt_len = vocab, n_bars, prompt_len
        self.bars0 = bars_in_prompt
        self.resume_at = resume_at
        kinds = np.array([vocab.kind(i) for i in range(len(vocab))])
        self.pos_ids = np.flatnonzero(kinds == "pos")
        self.pitch_ids = np.flatnonzero(kinds == "pitch")
        self.dur_ids = np.flatnonzero(kinds == "dur")
        # row -> (seen, state, bars, pos, pitch ids started at this onset)
        self.state: dict[int, tuple[int, str, int, int, frozenset[int]]] = {}

    def _advance(self, row: int, ids: list[int]) -> tuple[str, int, int, frozenset[int]]:
        if row in self.state:
            seen, state, bars, pos, onset = self.state[row]
        elif self.resume_at is not None and self.bars0:  # re-read the prompt's open bar
            seen, state, bars, pos, onset = self.resume_at, "start", self.bars0 - 1, -1, frozenset()
        else:
            seen, state, bars, pos, onset = self.prompt_len, "start", self.bars0, -1, frozenset()
        for t in ids[seen:]:
            kind = self.vocab.kind(t)
            if t == self.vocab.eos:
                state = "end"
            elif kind == "bar":
                state, bars, pos, onset = "bar", bars + 1, -1, frozenset()
            elif kind == "pos":
                state, pos, onset = "pos", self.vocab.value(t), frozenset()
            elif kind == "pitch":
                state, onset = "pitch", onset | {t}
            elif kind == "dur":
                state = "dur"
        self.state[row] = (len(ids), state, bars, pos, onset)
        return state, bars, pos, onset

    def allowed(self, row: int, ids: list[int]) -> np.ndarray:
        state, bars, pos, onset = self._advance(row, ids)
        v = self.vocab
        if state == "end":
            return np.array([v.eos])
        if state == "pos":
            return self.pitch_ids
        if state == "pitch":
            return self.dur_ids
        close = [v.bar] if bars < self.n_bars else [v.eos]
        if state == "start":
            return np.array([v.bar])
        later = self.pos_ids[self.pos_ids - self.pos_ids[0] > pos]
        if state == "bar":
            return np.concatenate([later, close])
        # after a duration: another pitch at this onset, a later onset, or the bar's end
        more = (self.pitch_ids[~np.isin(self.pitch_ids, list(onset))]
                if len(onset) < MAX_ONSET_NOTES else self.pitch_ids[:0])
        return np.concatenate([more, later, close])

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        mask = torch.full_like(scores, -math.inf)
        for row in range(input_ids.shape[0]):
            allowed = self.allowed(row, input_ids[row].tolist())
            mask[row, torch.as_tensor(allowed)] = 0
        return scores + mask


class MusicGenerator:
    """The trained model, its vocabulary, the attribute buckets and tempo/velocity per bucket."""

    def __init__(self, model, vocab: Vocabulary, buckets: AttributeBuckets,
                 config: GeneratorConfig, tempo_of: list[float], velocity_of: list[float]) -> None:
        self.model, self.vocab, self.buckets, self.config = model, vocab, buckets, config
        self.tempo_of, self.velocity_of = tempo_of, velocity_of

    @staticmethod
    def build_model(vocab: Vocabulary, config: GeneratorConfig):
        from transformers import LlamaConfig, LlamaForCausalLM

        hf = LlamaConfig(vocab_size=len(vocab), hidden_size=config.d_model,
                         intermediate_size=3 * config.d_model,
                         num_hidden_layers=config.n_layers, num_attention_heads=config.n_heads,
                         num_key_value_heads=config.n_heads,
                         max_position_embeddings=4 * config.max_len, tie_word_embeddings=True,
                         bos_token_id=vocab.bos, eos_token_id=vocab.eos, pad_token_id=vocab.pad)
        return LlamaForCausalLM(hf)

    @classmethod
    def train(cls, segments: Sequence[Segment], config: GeneratorConfig | None = None,
              progress: bool = False) -> MusicGenerator:
        """Fit buckets on the segments' attributes, then the model on their token sequences."""
        import pandas as pd

        config = config or GeneratorConfig()
        if not segments:
            raise ValueError("no training segments")
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        vocab = Vocabulary(config.n_buckets)
        frame = pd.DataFrame([s.attributes for s in segments], columns=list(ATTRIBUTES))
        buckets = AttributeBuckets(config.n_buckets).fit(frame)
        ids = buckets.transform(frame)
        seqs = [encode(s.events, s.n_bars, vocab, b)[: config.max_len]
                for s, b in zip(segments, ids, strict=True)]
        tempo_of = _bucket_medians([s.tempo for s in segments], ids[:, _TEMPO], config.n_buckets,
                                   120.0)
        velocity_of = _bucket_medians([s.velocity for s in segments], ids[:, _VELOCITY],
                                      config.n_buckets, 80.0)
        model = cls.build_model(vocab, config)
        opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / config.warmup)
            * 0.5 * (1 + math.cos(math.pi * min(s / config.steps, 1.0))))
        model.train()
        lengths = np.array([len(s) for s in seqs])
        with progress_bar(progress, config.steps, "generator") as advance:
            for _ in range(config.steps):
                cls._step(model, opt, sched, seqs, lengths, vocab, config, rng, advance)
        model.eval()
        return cls(model, vocab, buckets, config, tempo_of, velocity_of)

    @staticmethod
    def _step(model: Any, opt: Any, sched: Any, seqs: list[list[int]], lengths: np.ndarray,
              vocab: Vocabulary, config: GeneratorConfig, rng: np.random.Generator,
              advance: Any) -> None:
        """One training step on a batch of sequences of similar length."""
        # batches of similar length waste less padding
        anchor = int(rng.integers(len(seqs)))
        near = np.argsort(np.abs(lengths - lengths[anchor]))[: config.batch_size * 4]
        batch = [seqs[i] for i in rng.choice(near, size=min(config.batch_size, len(near)),
                                               replace=False)]
        t = max(len(s) for s in batch)
        x = torch.full((len(batch), t), vocab.pad, dtype=torch.long)
        att = torch.zeros((len(batch), t), dtype=torch.long)
        for i, s in enumerate(batch):
            x[i, : len(s)] = torch.as_tensor(s)
            att[i, : len(s)] = 1
        labels = x.masked_fill(att == 0, -100)
        loss = model(input_ids=x, attention_mask=att, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        advance(1, description=f"generator (loss {loss.item():.3f})")

    def generate(self, buckets: Sequence[int], n_bars: int = 16, *, temperature: float = 1.0,
                 top_p: float = 0.95, seed: int | None = None,
                 max_bars_per_call: int | None = None) -> tuple[np.ndarray, float]:
        """Note rows and tempo for `n_bars` bars under the requested attribute buckets.

        One call writes at most the training runs' length (`config.segment_bars`); longer
        pieces are written in steps, each continuing from the last half of what is written.
        """
        if n_bars < 1:
            raise ValueError(f"n_bars must be at least 1, got {n_bars}")
        max_bars_per_call = max_bars_per_call or self.config.segment_bars
        if max_bars_per_call < 2:
            raise ValueError(f"max_bars_per_call must be at least 2, got {max_bars_per_call}")
        if seed is not None:
            torch.manual_seed(seed)
        prefix = [self.vocab.bos, *self.vocab.attribute_ids(list(buckets))]
        body: list[int] = []
        done = 0
        while done < n_bars:
            keep = _last_bars(body, self.vocab, max_bars_per_call // 2) if done else []
            kept_bars = sum(t == self.vocab.bar for t in keep)
            todo = min(n_bars - done, max_bars_per_call - kept_bars)
            prompt = prefix + keep
            last_bar = max((i for i, t in enumerate(prompt) if t == self.vocab.bar), default=None)
            proc = GrammarProcessor(self.vocab, kept_bars + todo, len(prompt), kept_bars,
                                    resume_at=last_bar)
            out = self._sample(prompt, proc, todo * 12 * POSITIONS, temperature, top_p)
            new = [t for t in out[len(prompt):] if t not in (self.vocab.eos, self.vocab.pad)]
            body += new
            done += todo
        tempo = self.tempo_of[int(buckets[_TEMPO])]
        notes = decode([self.vocab.bos, *body], self.vocab, tempo=tempo,
                       velocity=round(self.velocity_of[int(buckets[_VELOCITY])]))
        return notes, tempo

    def _sample(self, prompt: list[int], proc: GrammarProcessor, max_new: int,
                temperature: float, top_p: float) -> list[int]:
        from transformers import LogitsProcessorList

        x = torch.as_tensor([prompt])
        with torch.no_grad():
            out = self.model.generate(
                input_ids=x, attention_mask=torch.ones_like(x), do_sample=True,
                temperature=temperature, top_p=top_p, top_k=0, max_new_tokens=max_new,
                logits_processor=LogitsProcessorList([proc]), eos_token_id=self.vocab.eos,
                pad_token_id=self.vocab.pad)
        return out[0].tolist()

    def save(self, folder: str | os.PathLike[str], *,
             training: dict[str, Any] | None = None) -> Path:
        """Write the model folder: fp16 `model.safetensors` (the tied output layer left out),
        then `affectlab.json` (kind "music.generator": configuration, buckets, tempo and
        velocity per bucket)."""
        from affectlab.music.saved import save_torch_model

        state = {k: v.detach().to(torch.float16)
                 for k, v in self.model.state_dict().items() if k != "lm_head.weight"}
        return save_torch_model(
            folder, KIND, "music generator", WEIGHTS, state,
            {"attributes": list(ATTRIBUTES), "model": asdict(self.config),
             "buckets": self.buckets.to_dict(), "tempo_of": list(self.tempo_of),
             "velocity_of": list(self.velocity_of)},
            training=training, backbone={"architecture": "LlamaForCausalLM", "pretrained": None,
                                         "dtype": "float16", "tied_embeddings": True})

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> MusicGenerator:
        """A saved generator folder (also one older affectlab wrote, with `generator.json`)."""
        from affectlab.music.saved import read_torch_model

        meta, state = read_torch_model(
            folder, KIND, "music generator", WEIGHTS, legacy_name="generator.json",
            convert=lambda old: {"model": old["config"], "buckets": old["buckets"],
                                 "tempo_of": old["tempo_of"], "velocity_of": old["velocity_of"]})
        config = GeneratorConfig(**meta["model"])
        vocab = Vocabulary(config.n_buckets)
        model = cls.build_model(vocab, config)
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        model.tie_weights()
        model.eval()
        return cls(model, vocab, AttributeBuckets.from_dict(meta["buckets"]), config,
                   meta["tempo_of"], meta["velocity_of"])


def _bucket_medians(values: list[float], buckets: np.ndarray, n: int, default: float
                    ) -> list[float]:
    """Median of the known (finite) values in each bucket; `default` for an empty bucket."""
    v = np.asarray(values, dtype=np.float64)
    out = []
    for k in range(n):
        known = v[(buckets == k) & np.isfinite(v)]
        out.append(float(np.median(known)) if len(known) else default)
    return out


def _last_bars(ids: list[int], vocab: Vocabulary, n: int) -> list[int]:
    """The tokens of the last `n` bars of a body."""
    bars = [i for i, t in enumerate(ids) if t == vocab.bar]
    return ids[bars[-n]:] if len(bars) >= n else list(ids)
