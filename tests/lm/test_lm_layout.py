"""The layout of `affectlab.lm`: four rooms with one-way imports, every old path still working,
and a package import that does not pull in torch."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import affectlab

SRC = Path(affectlab.__file__).resolve().parent
ROOMS = ("model", "probing", "steering", "decoding")

#: The public names of `affectlab.lm` before the rooms (its `__all__`, unchanged).
OLD_ALL = [
    "BLOCK_POINTS", "EMOTIONS", "MODEL_POINTS", "PROBE_DATASETS", "SYSTEM_PROMPTS",
    "ActivationCache", "Activations", "EmotionCircuit", "EmotionDirections", "LanguageModel",
    "LinearProbe", "MLPProbe", "ModelAdapter", "ModelNotFoundError", "OffsetProbe", "ProbeSet",
    "SoftThinkingConfig", "SweepResult", "ThinkingResult", "adapter_for", "all_sites",
    "balance_train", "build_probe_set", "collect_reply_states", "default_circuit",
    "default_directions", "discover_circuits", "emotion_control", "extract",
    "extract_emotion_directions", "generate", "hooks", "layer_sweep", "load", "load_circuit",
    "load_directions", "load_scenarios", "malleability", "modulate", "parse_site", "persistence",
    "probe_outputs", "residual_sites", "site_name", "split_scenarios", "steer", "steering_edits",
    "sweep_inputs", "think_and_answer", "undersample_test", "validate_components", "zero_shot",
]

#: Old module path -> the module it now is.
MOVED = {
    "affectlab.lm.activations": "affectlab.lm.model.activations",
    "affectlab.lm.adapters": "affectlab.lm.model.adapters",
    "affectlab.lm.fluency": "affectlab.lm.model.fluency",
    "affectlab.lm.hooks": "affectlab.lm.model.hooks",
    "affectlab.lm.judges": "affectlab.lm.model.judges",
    "affectlab.lm.loading": "affectlab.lm.model.loading",
    "affectlab.lm.sites": "affectlab.lm.model.sites",
    "affectlab.lm.balance": "affectlab.lm.probing.balance",
    "affectlab.lm.malleability": "affectlab.lm.probing.malleability",
    "affectlab.lm.persistence": "affectlab.lm.probing.persistence",
    "affectlab.lm.plots": "affectlab.lm.probing.plots",
    "affectlab.lm.probe_data": "affectlab.lm.probing.probe_data",
    "affectlab.lm.probes": "affectlab.lm.probing.probes",
    "affectlab.lm.report": "affectlab.lm.probing.report",
    "affectlab.lm.sweep": "affectlab.lm.probing.sweep",
    "affectlab.lm.zeroshot": "affectlab.lm.probing.zeroshot",
    "affectlab.lm.circuits": "affectlab.lm.steering.circuits",
    "affectlab.lm.emotion_control": "affectlab.lm.steering.emotion_control",
    "affectlab.lm.emotion_directions": "affectlab.lm.steering.emotion_directions",
    "affectlab.lm.emotion_plots": "affectlab.lm.steering.plots",
    "affectlab.lm.modulation": "affectlab.lm.steering.modulation",
    "affectlab.lm.scenarios": "affectlab.lm.steering.scenarios",
    "affectlab.lm.generation": "affectlab.lm.decoding.generation",
    "affectlab.lm.soft_thinking": "affectlab.lm.decoding.soft_thinking",
    "affectlab.lm.addition_task": "affectlab.synthetic.addition",
    "affectlab.codebook.tokfsm": "affectlab.synthetic.tokfsm",
}

#: Old "module:name" -> new "module:name" where the old module became a package, was split or
#: lost a definition to a lower module.
RENAMED = {
    "affectlab.lm.model:LanguageModel": "affectlab.lm.model.language_model:LanguageModel",
    "affectlab.lm.model:load": "affectlab.lm.model.language_model:load",
    "affectlab.lm.model:stop_token_ids": "affectlab.lm.model.language_model:stop_token_ids",
    "affectlab.lm.model:DEFAULT_MAX_LENGTH": "affectlab.lm.model.language_model:DEFAULT_MAX_LENGTH",
    "affectlab.lm.model:_as_texts": "affectlab.lm.model.language_model:_as_texts",
    "affectlab.lm.model:_strip_after_eos": "affectlab.lm.model.language_model:_strip_after_eos",
    "affectlab.lm.model:adapter_for": "affectlab.lm.model.adapters:adapter_for",
    "affectlab.lm.model:parse_site": "affectlab.lm.model.sites:parse_site",
    "affectlab.lm.steering:steer": "affectlab.lm.steering.vectors:steer",
    "affectlab.lm.steering:steering_edits": "affectlab.lm.steering.vectors:steering_edits",
    "affectlab.lm.steering:check_alpha": "affectlab.lm.steering.vectors:check_alpha",
    "affectlab.lm.steering:resolve_layers": "affectlab.lm.steering.vectors:resolve_layers",
    "affectlab.lm.steering:POSITIONS": "affectlab.lm.steering.vectors:POSITIONS",
    "affectlab.lm.emotion_control:default_directions":
        "affectlab.lm.steering.defaults:default_directions",
    "affectlab.lm.emotion_control:default_circuit":
        "affectlab.lm.steering.defaults:default_circuit",
    "affectlab.lm.emotion_control:check_fits": "affectlab.lm.steering.defaults:check_fits",
    "affectlab.lm.emotion_control:packaged_artifacts":
        "affectlab.lm.steering.defaults:packaged_artifacts",
    "affectlab.lm.malleability:Judge": "affectlab.lm.model.judges:Judge",
    "affectlab.lm.malleability:analyze_judge": "affectlab.lm.model.judges:analyze_judge",
    "affectlab.lm.loading:ModelNotFoundError": "affectlab.core.errors:ModelNotFoundError",
    "affectlab.lm.bundles:save_bundle": "affectlab.core.files:save_bundle",
    "affectlab.lm.bundles:load_bundle": "affectlab.core.files:load_bundle",
    "affectlab.codebook.gpt:GPTConfig": "affectlab.synthetic.tiny_gpt:GPTConfig",
    "affectlab.codebook.gpt:TinyGPT": "affectlab.synthetic.tiny_gpt:TinyGPT",
    "affectlab.codebook.gpt:HFCodebooks": "affectlab.codebook.insert:HFCodebooks",
    "affectlab.codebook.gpt:insert_codebooks": "affectlab.codebook.insert:insert_codebooks",
}


def _get(path: str) -> object:
    module, _, name = path.partition(":")
    value: object = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    return value


def test_the_public_names_are_unchanged_and_are_the_objects_in_the_rooms():
    from affectlab import lm

    assert lm.__all__ == OLD_ALL
    assert set(OLD_ALL) <= set(dir(lm))
    for name in OLD_ALL:
        if name in ("load_circuit", "load_directions"):  # bound class methods: equal, not same
            assert getattr(lm, name) == _get(lm._PUBLIC[name]), name
        else:
            assert getattr(lm, name) is _get(lm._PUBLIC[name]), name
        assert lm._PUBLIC[name].split(".")[2] in ROOMS, name  # each lives in a room
    assert lm.load_directions == lm.EmotionDirections.load
    assert lm.load_circuit == lm.EmotionCircuit.load


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_is_the_module_in_its_room(old):
    assert importlib.import_module(old) is importlib.import_module(MOVED[old])


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_an_old_name_is_the_same_object(old):
    assert _get(old) is _get(RENAMED[old])


def test_old_paths_of_functions_named_like_modules_stay_functions():
    from affectlab import lm

    for old in ("affectlab.lm.hooks", "affectlab.lm.persistence", "affectlab.lm.malleability"):
        importlib.import_module(old)
    assert lm.persistence is _get("affectlab.lm.probing.persistence:persistence")
    assert lm.malleability is _get("affectlab.lm.probing.malleability:malleability")
    assert lm.hooks is _get("affectlab.lm.model.hooks:hooks")
    from affectlab.lm import persistence

    assert callable(persistence) and not isinstance(persistence, type(lm))


def test_the_shims_for_figures_and_bundles_still_work(tmp_path):
    from affectlab.core.errors import ModelNotFoundError
    from affectlab.lm._figures import save_figure
    from affectlab.lm.bundles import load_bundle, save_bundle

    save_bundle(tmp_path, "x", {"a": [1.0, 2.0]}, {"what": "test"})
    info, arrays = load_bundle(tmp_path, "x", "test bundle")
    assert info == {"what": "test"} and arrays["a"].tolist() == [1.0, 2.0]
    with pytest.raises(FileNotFoundError):
        load_bundle(tmp_path, "missing", "test bundle")
    with pytest.raises(ModelNotFoundError):
        load_bundle(tmp_path, "missing", "test bundle")
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([0, 1])
    assert save_figure(fig, tmp_path / "f.png").is_file()


# -- imports run one way ---------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every affectlab module `path` imports, at any depth of the file (function bodies too);
    `from pkg import sub` counts as importing `pkg.sub` where `sub` is a module."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("affectlab"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("affectlab"):
            base = SRC.parent.joinpath(*node.module.split("."))
            subs = {f"{node.module}.{a.name}" for a in node.names
                    if base.joinpath(a.name + ".py").is_file() or base.joinpath(a.name).is_dir()}
            out.update(subs or {node.module})
    return out


def _room_graph() -> dict[str, set[str]]:
    files = sorted(p for room in ROOMS for p in (SRC / "lm" / room).glob("*.py"))
    names = {_module_name(p): p for p in files}
    return {name: {m for m in _imports(path) if m in names or m.startswith("affectlab.lm")}
            for name, path in names.items()}


def test_the_rooms_import_only_the_rooms_and_no_old_paths():
    allowed = {"affectlab.lm._lazy"} | {f"affectlab.lm.{room}" for room in ROOMS}
    for module, imported in _room_graph().items():
        for target in imported:
            assert target in allowed or target.startswith(tuple(f"{a}." for a in allowed)), (
                f"{module} imports {target}: an old path or outside the rooms")


def test_model_imports_nothing_from_the_other_rooms_nor_they_from_each_other():
    for module, imported in _room_graph().items():
        room = module.split(".")[2]
        rooms = {t.split(".")[2] for t in imported if t.count(".") >= 2} & set(ROOMS)
        assert rooms <= {room, "model"}, f"{module} ({room}) imports from {rooms - {room}}"
        if room == "model":
            assert rooms <= {"model"}, f"{module} imports from {rooms}"


def test_the_rooms_have_no_import_cycle():
    graph = _room_graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # the steering chain that was a cycle (emotion_control <-> steering <-> modulation)
    s = "affectlab.lm.steering."
    assert s + "emotion_control" not in graph[s + "vectors"] | graph[s + "modulation"]
    assert s + "defaults" in graph[s + "vectors"] & graph[s + "modulation"]


# -- a cheap import ----------------------------------------------------------------------------
def test_importing_the_package_does_not_import_torch():
    code = "import affectlab.lm, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
