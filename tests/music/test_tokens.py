import numpy as np
import torch
from _midi_files import progression, write

from affectlab.music.generator import GrammarProcessor, MusicGenerator
from affectlab.music.midi import load_midi
from affectlab.music.tokens import Vocabulary, decode, encode, grammar_errors, score_events


def test_events_round_trip_through_tokens(tmp_path):
    score = load_midi(write(tmp_path / "p.mid", progression(repeats=1), tempo=120))
    events = score_events(score)
    assert events[0] == (0, 0, 60, 16)  # bar 0, position 0, C4, a whole bar
    vocab = Vocabulary()
    ids = encode(events, 4, vocab, [1] * 10)
    assert ids[0] == vocab.bos and ids[-1] == vocab.eos
    assert sum(t == vocab.bar for t in ids) == 4
    assert grammar_errors(ids, vocab) == 0
    notes = decode(ids, vocab, tempo=120)
    np.testing.assert_allclose(notes[:, :3], score.notes[:, :3], atol=1e-6)


def test_grammar_errors_are_counted():
    vocab = Vocabulary()
    bad = [vocab.bos, vocab.bar, vocab.id("PITCH_60"), vocab.id("POS_4"), vocab.id("POS_2")]
    # a pitch without a position, a pitch without a duration, a position going back
    assert grammar_errors(bad, vocab) == 3


def test_grammar_processor_allows_only_well_formed_continuations():
    vocab = Vocabulary()
    prefix = [vocab.bos, *vocab.attribute_ids([0] * 10)]
    proc = GrammarProcessor(vocab, n_bars=1, prompt_len=len(prefix))
    assert proc.allowed(0, prefix).tolist() == [vocab.bar]
    ids = [*prefix, vocab.bar, vocab.id("POS_4")]
    assert {vocab.kind(t) for t in proc.allowed(0, ids)} == {"pitch"}
    ids += [vocab.id("PITCH_60")]
    assert {vocab.kind(t) for t in proc.allowed(0, ids)} == {"dur"}
    ids += [vocab.id("DUR_4")]
    after = proc.allowed(0, ids)
    assert vocab.eos in after and vocab.bar not in after  # one bar asked, one written
    assert vocab.id("POS_4") not in after and vocab.id("POS_5") in after
    scores = proc(torch.as_tensor([ids]), torch.zeros(1, len(vocab)))
    assert torch.isinf(scores[0, vocab.id("POS_2")]) and scores[0, vocab.eos] == 0


def test_generation_writes_exactly_the_bars_asked(music_models):
    gen = MusicGenerator.load(music_models / "generator")
    for bars in (1, 3, 7):  # 7 > the model's 4-bar calls: continued in steps
        notes, tempo = gen.generate([1] * 10, n_bars=bars, seed=0, max_bars_per_call=4)
        assert tempo > 0
        assert len(notes) == 0 or notes[:, 0].max() < bars * 4 * 60 / tempo


def test_continuation_resumes_the_open_bar():
    vocab = Vocabulary()
    prefix = [vocab.bos, *vocab.attribute_ids([0] * 10)]
    kept = [vocab.bar, vocab.id("POS_0"), vocab.id("PITCH_60"), vocab.id("DUR_4"), vocab.bar]
    prompt = prefix + kept
    proc = GrammarProcessor(vocab, n_bars=3, prompt_len=len(prompt), bars_in_prompt=2,
                            resume_at=len(prompt) - 1)
    allowed = proc.allowed(0, prompt)  # just after a BAR: a position or another bar
    assert {vocab.kind(t) for t in allowed} == {"pos", "bar"}
    ids = [*prompt, vocab.bar, vocab.id("POS_3"), vocab.id("PITCH_62"), vocab.id("DUR_2")]
    assert vocab.eos in proc.allowed(0, ids) and vocab.bar not in proc.allowed(0, ids)


def test_an_onset_cannot_repeat_a_pitch_or_grow_without_bound():
    from affectlab.music.generator import MAX_ONSET_NOTES

    vocab = Vocabulary()
    prefix = [vocab.bos, *vocab.attribute_ids([0] * 10)]
    proc = GrammarProcessor(vocab, n_bars=1, prompt_len=len(prefix))
    ids = [*prefix, vocab.bar, vocab.id("POS_0"), vocab.id("PITCH_60"), vocab.id("DUR_4")]
    assert vocab.id("PITCH_60") not in proc.allowed(0, ids)
    assert vocab.id("PITCH_64") in proc.allowed(0, ids)
    for p in range(61, 60 + MAX_ONSET_NOTES):
        ids += [vocab.id(f"PITCH_{p}"), vocab.id("DUR_4")]
    assert not any(vocab.kind(t) == "pitch" for t in proc.allowed(0, ids))
    ids += [vocab.id("POS_1")]  # a new onset starts afresh
    assert vocab.id("PITCH_60") in proc.allowed(0, ids)
