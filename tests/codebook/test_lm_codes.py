"""Codebooks in a language model (tiny random Llama): save/load, bypass, forcing, training, code
search, steering and the `affectlab codebook train|search|steer` commands' inputs and errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from affectlab.codebook import lm_codes as C
from affectlab.core.errors import ManifestError, NotFittedError
from affectlab.core.manifest import MANIFEST, read_manifest
from affectlab.errors import UnknownNameError

SITES = ["blocks.0.mlp.out", "blocks.1.mlp.out"]
TEXTS = {
    "joy": ["i am so happy today", "this is great news", "good dog good cat"],
    "sadness": ["i am so sad today", "my dog is sad", "bad week at work"],
    "anger": ["i am so angry", "you tell me this is bad", "angry about work"],
    "fear": ["i am afraid", "so afraid of the dog", "afraid at home"],
    "surprise": ["what a surprise", "a surprise for you", "what news"],
    "disgust": ["gross", "this is gross", "gross cat"],
    "neutral": ["the cat", "tell me about the week", "hello you"],
}


def _tiny(seed: int = 0):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lm"))
    from _lm_tiny import tiny_model

    return tiny_model("llama", n_layers=2, seed=seed)


def _labelled() -> tuple[list[str], list[str]]:
    pairs = [(t, lab) for lab, items in TEXTS.items() for t in items]
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def _model(lm=None, num_codes: int = 16, k: int = 4) -> C.CodebookModel:
    torch.manual_seed(0)
    cbm = C.attach_codebooks(lm or _tiny(), SITES, num_codes, k)
    texts, _ = _labelled()
    C.init_codebooks(cbm, texts, iters=3)
    return cbm


def _codes(cbm: C.CodebookModel, texts: list[str]) -> dict[str, list[torch.Tensor]]:
    per_site, _ = C.record_codes(cbm, texts)
    return per_site


def test_save_load_round_trip_gives_identical_codes_and_logits(tmp_path: Path) -> None:
    cbm = _model()
    texts, labels = _labelled()
    C.search_codes(cbm, texts, labels, min_count=1, top=3)
    before = _codes(cbm, texts)
    batch = C._batch(cbm.lm, texts, 48)
    with torch.no_grad():
        logits = cbm.lm.model(**batch).logits
    cbm.save(tmp_path / "m")
    meta = read_manifest(tmp_path / "m", "codebook.lm")
    config = meta.config
    assert config["sites"] == SITES and config["num_codes"] == 16 and config["k"] == 4
    assert config["dtype"] == "float32" and config["search"] == C.SEARCH
    assert meta.backbone == {"name": "tiny-llama", "fingerprint": cbm.lm.fingerprint}
    assert meta.labels == list(cbm.search) and meta.scheme == "ekman6"
    assert meta.files == [C.WEIGHTS] and meta.affectlab_version
    # codebooks only, no base weights
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "affectlab.json", C.WEIGHTS, C.SEARCH]

    loaded = C.load_codebook_model(tmp_path / "m", lm=_tiny())
    after = _codes(loaded, texts)
    for site in SITES:
        for a, b in zip(before[site], after[site], strict=True):
            assert torch.equal(a, b)
    with torch.no_grad():
        assert torch.allclose(loaded.lm.model(**batch).logits, logits, atol=1e-6)
    assert loaded.search == cbm.search


def test_bypass_runs_the_unmodified_model_and_codebooks_cost_loss() -> None:
    lm = _tiny()
    texts, _ = _labelled()
    batch = C._batch(lm, texts, 48)
    with torch.no_grad():
        clean = lm.model(**batch).logits
    cbm = _model(lm)
    with torch.no_grad():
        coded = lm.model(**batch).logits
        with cbm.bypass():
            bypassed = lm.model(**batch).logits
        again = lm.model(**batch).logits
    assert torch.allclose(bypassed, clean, atol=1e-6)
    assert not torch.allclose(coded, clean)
    assert torch.allclose(again, coded, atol=1e-6)  # codebooks back after the block
    loss = C.lm_loss(cbm, texts)
    assert loss["codebooks"] != loss["base"]
    assert loss["increase"] == pytest.approx(loss["codebooks"] - loss["base"])


def test_forcing_codes_makes_the_output_exactly_their_mean() -> None:
    cbm = _model()
    site = SITES[1]
    layer = cbm.codebooks()[site]
    forced = [1, 2, 3, 5]
    want = layer.codebook.detach()[0, forced].mean(dim=0)
    batch = C._batch(cbm.lm, ["i am so sad today", "the cat"], 48)
    with cbm.lm.hooks(read=[site]) as free:
        cbm.lm.model(**batch)
    with C.forced_code_edits(cbm, {site: forced}, positions="all"), \
            cbm.lm.hooks(read=[site]) as cache:
        cbm.lm.model(**batch)
    out = cache[site]
    assert torch.allclose(out, want.expand_as(out), atol=1e-5)
    with C.forced_code_edits(cbm, {site: forced}), cbm.lm.hooks(read=[site]) as cache:
        cbm.lm.model(**batch)
    out = cache[site]  # generation positions: only the last position of a prompt pass
    assert torch.allclose(out[:, -1], want.expand_as(out[:, -1]), atol=1e-5)
    assert torch.allclose(out[:, :-1], free[site][:, :-1], atol=1e-6)
    assert not torch.allclose(out[:, -1], free[site][:, -1])
    with cbm.lm.hooks(read=[site]) as cache:  # nothing forced after the block
        cbm.lm.model(**batch)
    assert torch.allclose(cache[site], free[site], atol=1e-6)


def test_training_changes_only_the_codebooks() -> None:
    cbm = _model()
    base = {n: p.detach().clone() for n, p in cbm.lm.model.named_parameters()}
    flags = {n: p.requires_grad for n, p in cbm.lm.model.named_parameters()}
    codes = {n: lay.codebook.detach().clone() for n, lay in cbm.codebooks().items()}
    texts, _ = _labelled()
    out = C.train_codebooks(cbm, texts, steps=3, batch_size=4, log_every=1)
    assert len(out["history"]) == 3 and all(np.isfinite(h["lm_loss"]) for h in out["history"])
    for n, p in cbm.lm.model.named_parameters():
        assert torch.equal(p, base[n]) and p.requires_grad == flags[n]  # flags restored
    for n, lay in cbm.codebooks().items():
        assert not torch.equal(lay.codebook, codes[n])
        assert not lay.training and not lay.codebook.requires_grad


def test_code_search_ranks_a_planted_code_first() -> None:
    rng = np.random.default_rng(0)
    names = [*C.EKMAN, "neutral"]
    labels = [names[i % len(names)] for i in range(140)]
    codes = []
    for lab in labels:
        ids = rng.integers(0, 40, size=(12, 4))
        ids[ids == 7] = 8
        if lab == "fear":
            ids[rng.integers(0, 12, size=3), 0] = 7  # the planted fear code
        codes.append(ids)
    counts, totals = C.code_statistics(codes, labels, 40, names)
    ranked = C.rank_codes(counts, totals, names, "fear", top=3)
    assert ranked[0]["code"] == 7
    assert ranked[0]["precision"] == pytest.approx(1.0)
    assert ranked[0]["count_others"] == 0
    assert ranked[1]["log_odds"] < ranked[0]["log_odds"] - 2
    joy = C.rank_codes(counts, totals, names, "joy", top=40)
    assert 7 not in [e["code"] for e in joy]  # never fires on joy: below min_count


def test_search_codes_on_the_tiny_model_gives_contexts() -> None:
    cbm = _model()
    texts, labels = _labelled()
    found = C.search_codes(cbm, texts, labels, top=4, min_count=1)
    assert set(found) == set(C.EKMAN)
    for ranked in found.values():
        assert ranked and ranked[0]["site"] in SITES
        assert ranked == sorted(ranked, key=lambda e: -e["log_odds"])
        assert all("[[" in x and "]]" in x for e in ranked for x in e["examples"])
    with pytest.raises(ValueError, match="no texts labelled"):
        C.search_codes(cbm, texts[:3], labels[:3], emotions=["anger"], min_count=1)


def test_steering_forces_the_emotion_codes_while_generating() -> None:
    cbm = _model()
    texts, labels = _labelled()
    C.search_codes(cbm, texts, labels, top=8, min_count=1)
    codes = C.emotion_codes(cbm, "happiness")  # alias of joy
    site = next(iter(codes))
    layer = cbm.codebooks()[site]
    with layer.record() as rec:
        replies = C.steer_codes(cbm, ["i am so sad today", "tell me about the week"], "joy",
                                max_new_tokens=3)
    assert len(replies) == 2 and all(isinstance(r, str) for r in replies)
    want = torch.tensor(codes[site])
    want = want[torch.arange(cbm.k) % len(want)]
    prompt_pass, steps = rec[0], rec[1:]
    assert torch.equal(prompt_pass[:, -1], want.expand(2, -1))
    assert steps and all(torch.equal(s[:, -1], want.expand(2, -1)) for s in steps)
    assert not torch.equal(prompt_pass[:, 0], want.expand(2, -1))


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="rage"):
        C.normalise_emotion("rage")
    assert C.normalise_emotion(" Happiness ") == "joy"
    cbm = _model()
    with pytest.raises(NotFittedError, match="no code search"):
        C.emotion_codes(cbm, "fear")
    texts, labels = _labelled()
    C.search_codes(cbm, texts, labels, min_count=1)
    with pytest.raises(ValueError, match="empty prompt"):
        C.steer_codes(cbm, ["  "], "fear")
    with pytest.raises(ValueError, match="n_codes"):
        C.emotion_codes(cbm, "fear", n_codes=99)
    with pytest.raises(FileNotFoundError, match="no saved codebook model"):
        C.load_codebook_model(tmp_path / "missing", lm=cbm.lm)
    with pytest.raises(ValueError, match="empty text"):
        C.lm_loss(cbm, ["i am", ""])
    with pytest.raises(ValueError, match="no codebook"), \
            C.forced_code_edits(cbm, {"blocks.0.attn.out": [1]}):
        pass


def test_other_kinds_and_newer_formats_are_refused(tmp_path: Path) -> None:
    cbm = _model()
    folder = cbm.save(tmp_path / "m", dtype="float16")
    data = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**data, "format_version": 2}))
    with pytest.raises(ManifestError, match="format version 2"):
        C.load_codebook_model(folder, lm=cbm.lm)
    (folder / MANIFEST).write_text(json.dumps({**data, "kind": "synthetic.tiny_gpt"}))
    with pytest.raises(ManifestError, match="'synthetic.tiny_gpt', not a codebook model"):
        C.load_codebook_model(folder, lm=cbm.lm)
    (folder / MANIFEST).write_text(json.dumps(data))
    (folder / C.WEIGHTS).unlink()
    with pytest.raises(ManifestError, match="incomplete"):
        C.load_codebook_model(folder, lm=cbm.lm)


def test_a_folder_saved_before_the_shared_manifest_still_loads(tmp_path: Path) -> None:
    from affectlab.core.files import save_tensors, write_json

    cbm = _model()
    texts, labels = _labelled()
    C.search_codes(cbm, texts, labels, min_count=1, top=3)
    old = tmp_path / "old"  # as affectlab wrote it: codebooks, search.json, then manifest.json
    save_tensors({name: layer.codebook.detach().clone()
                  for name, layer in cbm.codebooks().items()}, old / C.WEIGHTS)
    write_json(cbm.search, old / C.SEARCH)
    cbm.info = {"steps": 3, "date": "2026-12-01"}
    write_json({**cbm.manifest(), "dtype": "float32"}, old / C.LEGACY_MANIFEST)
    assert not (old / MANIFEST).exists()
    meta = C.read_codebook_manifest(old)
    assert meta.kind == "codebook.lm" and meta.backbone["name"] == "tiny-llama"
    assert meta.created == "2026-12-01" and meta.labels == list(cbm.search)
    loaded = C.load_codebook_model(old, lm=_tiny())
    assert loaded.info == cbm.info and loaded.search == cbm.search
    assert loaded.sites == SITES and (loaded.num_codes, loaded.k) == (16, 4)
    for name, layer in loaded.codebooks().items():
        assert torch.equal(layer.codebook, cbm.codebooks()[name].codebook)
    (old / C.LEGACY_MANIFEST).write_text(json.dumps({"format": "something-else/1"}))
    with pytest.raises(ManifestError, match="not a saved codebook model"):
        C.load_codebook_model(old, lm=_tiny())


def test_the_shipped_codebooks_use_the_shared_manifest() -> None:
    folder = C.default_model_dir()
    assert not (folder / C.LEGACY_MANIFEST).exists()
    meta = C.read_codebook_manifest(folder)
    assert meta.backbone["name"] == "SmolLM2-135M-Instruct"
    assert meta.config["sites"] == list(C.DEFAULT_SITES) and meta.config["dtype"] == "float16"
    assert meta.labels == sorted(C.EKMAN) and meta.scheme == "ekman6"
    assert set(json.loads((folder / C.SEARCH).read_text())) == set(C.EKMAN)


# -- the command line ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    from affectlab.lm import load as load_lm

    root = tmp_path_factory.mktemp("codebook-lm")
    tiny = _tiny()
    tiny.model.save_pretrained(root / "base")
    tiny.tokenizer.save_pretrained(root / "base")
    cbm = _model(load_lm(str(root / "base")))
    texts, labels = _labelled()
    C.search_codes(cbm, texts, labels, top=6, min_count=1)
    cbm.save(root / "cb")
    return root / "cb"


def _run(*args: str) -> tuple[int, str]:
    from affectlab.cli.app import app

    res = CliRunner().invoke(app, ["codebook", *args])
    return res.exit_code, res.stdout


def test_cli_search_reads_the_saved_codes(saved: Path) -> None:
    code, out = _run("search", "--emotion", "fear", "--model", str(saved), "--json", "--top", "2")
    assert code == 0, out
    got = json.loads(out)
    stored = json.loads((saved / C.SEARCH).read_text())["fear"][:2]
    assert got["emotion"] == "fear" and got["codes"] == stored
    code, out = _run("search", "--emotion", "joy", "--model", str(saved))
    assert code == 0 and "Codes of joy" in out


def test_cli_steer_writes_replies(saved: Path) -> None:
    code, out = _run("steer", "--emotion", "joy", "--model", str(saved), "--json", "--no-judge",
                     "--max-new-tokens", "3", "--compare", "i am so sad today", "hello you")
    assert code == 0, out
    got = json.loads(out)
    assert got["emotion"] == "joy"
    assert [r["prompt"] for r in got["replies"]] == ["i am so sad today", "hello you"]
    assert all("reply" in r and "unsteered" in r for r in got["replies"])


@pytest.mark.parametrize(("args", "message"), [
    (["search", "--emotion", "rage"], "rage"),
    (["search", "--emotion", "fear", "--top", "0"], "--top"),
    (["steer", "--emotion", "joy", "--no-judge", ""], "empty prompt"),
    (["steer", "--emotion", "joy", "--no-judge", "--n-codes", "99", "hello"], "n_codes"),
])
def test_cli_bad_input_gives_json_errors(saved: Path, args: list[str], message: str) -> None:
    code, out = _run(*args, "--model", str(saved), "--json")
    assert code == 2
    assert message in json.loads(out)["error"]


def test_cli_missing_model_folder(tmp_path: Path) -> None:
    code, out = _run("search", "--emotion", "fear", "--model", str(tmp_path / "nope"), "--json")
    assert code == 2 and "holds no saved codebook model" in json.loads(out)["error"]
    code, out = _run("steer", "--emotion", "fear", "--model", str(tmp_path), "--json", "hi")
    assert code == 2 and "holds no saved codebook model" in json.loads(out)["error"]


def _texts_file(path: Path, drop: str | None = None, label_column: str = "label") -> Path:
    import pandas as pd

    rows = [{"text": t, label_column: "happiness" if lab == "joy" else lab}
            for lab, items in TEXTS.items() if lab != drop for t in items]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_labelled_texts_reads_and_checks_files(tmp_path: Path) -> None:
    rows = C.labelled_texts(_texts_file(tmp_path / "t.csv"))
    assert ("i am so happy today", "joy") in rows and len(rows) == sum(map(len, TEXTS.values()))
    (tmp_path / "t.jsonl").write_text('{"text": "so afraid", "label": "Fear"}\n'
                                      '{"text": "", "label": "joy"}\n')
    assert C.labelled_texts(tmp_path / "t.jsonl") == [("so afraid", "fear")]
    with pytest.raises(FileNotFoundError):
        C.labelled_texts(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="lacks column"):
        C.labelled_texts(_texts_file(tmp_path / "u.csv", label_column="emotion"))
    (tmp_path / "t.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"unsupported file type .*\.csv, \.jsonl"):
        C.labelled_texts(tmp_path / "t.txt")
    (tmp_path / "empty.jsonl").write_text('{"text": "", "label": "joy"}\n')
    with pytest.raises(ValueError, match="no rows"):
        C.labelled_texts(tmp_path / "empty.jsonl")


def test_cli_search_on_own_texts_and_save(saved: Path, tmp_path: Path) -> None:
    import shutil

    model = tmp_path / "cb"
    shutil.copytree(saved, model)
    (model / C.SEARCH).unlink()
    texts = _texts_file(tmp_path / "t.csv")
    code, out = _run("search", "--emotion", "joy", "--model", str(model), "--texts", str(texts),
                     "--min-count", "1", "--top", "3", "--json")
    assert code == 0, out
    got = json.loads(out)
    assert got["emotion"] == "joy" and 1 <= len(got["codes"]) <= 3
    assert all(e["site"] in SITES for e in got["codes"])
    assert not (model / C.SEARCH).exists()  # nothing written without --save
    code, out = _run("search", "--emotion", "joy", "--model", str(model), "--texts", str(texts),
                     "--min-count", "1", "--save", "--json")
    assert code == 0, out
    stored = json.loads((model / C.SEARCH).read_text())
    assert set(stored) == {"anger", "disgust", "fear", "joy", "sadness", "surprise"}
    code, out = _run("search", "--emotion", "joy", "--model", str(model), "--json")
    assert code == 0 and json.loads(out)["codes"] == stored["joy"][:5]


def test_cli_search_on_own_texts_errors(saved: Path, tmp_path: Path) -> None:
    no_fear = _texts_file(tmp_path / "t.csv", drop="fear")
    for args, message in (
            (["--texts", str(tmp_path / "missing.csv")], "no such file"),
            (["--texts", str(no_fear)], "no texts labelled 'fear'"),
            (["--texts", str(no_fear), "--label-column", "emotion"], "lacks column"),
    ):
        code, out = _run("search", "--emotion", "fear", "--model", str(saved), *args, "--json")
        assert code == 2 and message in json.loads(out)["error"], out
    code, out = _run("search", "--emotion", "fear", "--save", "--json")
    assert code == 2 and "--save needs --texts" in json.loads(out)["error"]
