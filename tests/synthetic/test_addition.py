"""The addition-with-carries task: format, tokenizer, a model that learns, save and load."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch

from affectlab.core.errors import ManifestError
from affectlab.core.manifest import MANIFEST, read_manifest
from affectlab.lm.decoding.soft_thinking import SoftThinkingConfig, think_and_answer
from affectlab.synthetic import addition as at


def test_scratchpad_writes_every_carry():
    assert at.scratchpad(999, 1, 3) == "01,01,01,"
    assert at.example(57, 68, 3) == "057+068=<think>51,21,10,</think>0125<eos>"
    for a, b in at.problems(200, 3, seed=0):
        pad = at.scratchpad(a, b, 3)
        digits, carries = pad[0::3], pad[1::3]
        assert int(carries[-1] + digits[::-1]) == a + b  # the answer is the pad read backwards


def test_tokenizer_round_trip_and_single_token_markers():
    tok = at.AdditionTokenizer()
    text = at.example(5, 7, 3)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(tok.encode(at.END_THINK)) == 1 and len(tok.encode(at.THINK)) == 1
    assert tok.decode(ids, skip_special_tokens=True).endswith("0012")
    with pytest.raises(ValueError, match="vocabulary"):
        tok.encode("1+x")


def test_problems_are_distinct_and_respect_exclusions():
    test = at.problems(50, 2, seed=1)
    assert len(set(test)) == 50
    train = at.problems(40, 2, seed=2, exclude=set(test))
    assert not set(train) & set(test)
    with pytest.raises(ValueError, match="distinct"):
        at.problems(101, 1, seed=0)


def test_loss_is_on_the_reply_only():
    tok = at.AdditionTokenizer()
    ids, labels = at.batch_tensors([(1, 2), (345, 678)], 3, tok)
    plen = len(tok.encode(at.prompt(0, 0, 3)))
    assert (labels[:, :plen] == -100).all() and (labels[:, plen] == ids[:, plen]).all()


def test_training_lowers_the_loss_and_save_load_is_exact(tmp_path):
    spec = at.ModelSpec(digits=2, hidden=32, layers=1, heads=2, intermediate=64)
    torch.manual_seed(0)
    model, tok, losses = at.train(spec, steps=40, batch_size=32, lr=1e-2, progress=False)
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5
    at.save(model, spec, tmp_path / "m")
    back, _tok2, spec2 = at.load(tmp_path / "m")
    ids = torch.tensor([tok.encode(at.example(12, 34, 2))])
    with torch.inference_mode():
        assert torch.equal(model(input_ids=ids).logits, back(input_ids=ids).logits)
    assert spec2 == spec
    with pytest.raises(FileNotFoundError, match="no saved addition model"):
        at.load(tmp_path / "none")


def test_both_thinking_modes_run_on_the_task_model():
    spec = at.ModelSpec(digits=2, hidden=32, layers=1, heads=2, intermediate=64)
    model, tok = at.make_model(spec), at.AdditionTokenizer()
    cfg = SoftThinkingConfig(think_end=at.END_THINK, max_think_tokens=8, max_answer_tokens=4)
    for mode in ("soft", "discrete"):
        r = think_and_answer(model, tok, tok.encode(at.prompt(12, 34, 2)), cfg, mode=mode)
        assert r.think_tokens <= 9 and r.answer_tokens <= 4
        assert r.stop_reason in ("marker", "budget", "eos", "cold-stop")


def _small() -> tuple[at.ModelSpec, object]:
    spec = at.ModelSpec(digits=2, hidden=32, layers=1, heads=2, intermediate=64)
    return spec, at.make_model(spec, seed=3)


def _logits(model) -> torch.Tensor:
    ids = torch.tensor([at.AdditionTokenizer().encode(at.example(12, 34, 2))])
    with torch.inference_mode():
        return model(input_ids=ids).logits


def test_the_saved_folder_holds_the_shared_manifest(tmp_path):
    spec, model = _small()
    folder = at.save(model, spec, tmp_path / "m", metrics={"accuracy": 0.5})
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, at.WEIGHTS]
    manifest = read_manifest(folder, at.KIND)
    assert manifest.config == asdict(spec) and manifest.files == [at.WEIGHTS]
    assert manifest.metrics == {"accuracy": 0.5} and manifest.affectlab_version
    data = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**data, "format_version": 2}))
    with pytest.raises(ManifestError, match="format version 2"):
        at.load(folder)
    (folder / MANIFEST).write_text(json.dumps({**data, "kind": "synthetic.tiny_gpt"}))
    with pytest.raises(ManifestError, match="'synthetic.tiny_gpt', not a addition model"):
        at.load(folder)


def test_a_folder_saved_before_the_shared_manifest_still_loads(tmp_path):
    from safetensors.torch import save_file

    spec, model = _small()
    old = tmp_path / "old"  # as affectlab wrote it: model.safetensors and spec.json
    old.mkdir()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()
               if k != "lm_head.weight"}, str(old / "model.safetensors"))
    (old / "spec.json").write_text(json.dumps(asdict(spec), indent=2) + "\n")
    back, _tok, spec2 = at.load(old)
    assert spec2 == spec and torch.equal(_logits(back), _logits(model))
    (old / "spec.json").write_text(json.dumps({"digits": 2, "colour": "red"}))
    with pytest.raises(ManifestError, match="not an addition model spec"):
        at.load(old)
