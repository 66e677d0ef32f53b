"""Layer rules, checked on the source (imports inside functions count too):

- the library never imports the command line (`affectlab.cli`);
- the core imports nothing else of affectlab;
- the ontology, datasets and metrics import only the core and each other, never a modality;
- a modality imports the core, ontology, datasets and metrics, and no other modality, except
  the few uses listed in ALLOWED (each says why);
- an application of the library (`affectlab.serve`, the REST service) may use every modality,
  but not the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "affectlab"
FOUNDATION = {"core", "ontology", "datasets", "metrics"}
APPLICATIONS = {"serve"}  # over every modality, under the command line
# top-level modules: the root's own names, and the shims of `affectlab.core`
ROOT_MODULES = {"errors", "files", "__init__", "__version__", "directions"}
ALIASES = {"analyze": "text"}  # `from affectlab import analyze` is the text analyser
ALLOWED = {
    # codebook features are trained inside language models: the codebook room uses the LM handle
    ("codebook", "lm"),
    # the old paths affectlab.codebook.tokfsm / .gpt and affectlab.lm.addition_task re-export
    # the synthetic tasks
    ("codebook", "synthetic"),
    ("lm", "synthetic"),
    # synthetic research tasks put codebooks in a small GPT, and decode like the LM room does
    ("synthetic", "codebook"),
    ("synthetic", "lm"),
    # the LM judge scores the emotion of replies with the text model
    ("lm", "text"),
    # audio tokens reuse the residual and finite-scalar quantisers of the codebook room
    ("speech", "codebook"),
    # a video's timeline reads its frames with the face room, its soundtrack with the speech
    # room, its words with the text room, and fuses them with the multimodal room
    ("video", "face"),
    ("video", "speech"),
    ("video", "text"),
    ("video", "multimodal"),
}


def _room(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[str]:
    """Every affectlab room this file imports (`affectlab.x...` -> x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rooms = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "affectlab":
                names = [f"affectlab.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "affectlab" and len(parts) > 1:
                rooms.add(ALIASES.get(parts[1], parts[1]))
    return rooms


FILES = sorted(p for p in SRC.rglob("*.py") if p.name != "__main__.py")  # __main__ runs the CLI


def test_the_source_is_found():
    assert len(FILES) > 50


@pytest.mark.parametrize("path", [p for p in FILES if _room(p) != "cli"],
                         ids=lambda p: str(p.relative_to(SRC)))
def test_layer_rules(path):
    room = _room(path)
    used = _imports(path) - {room}
    assert "cli" not in used, f"{path.relative_to(SRC)}: the library imports the CLI"
    if room == "core":
        assert not used - {"__version__"}, f"core imports {sorted(used)}"
        return
    if room in APPLICATIONS:
        return
    if room in FOUNDATION:
        bad = used - FOUNDATION - ROOT_MODULES
        assert not bad, f"{path.relative_to(SRC)}: {room} imports modality {sorted(bad)}"
        return
    if room in ROOT_MODULES - {"directions"}:
        return  # the root package and the shims of the core
    bad = {u for u in used - FOUNDATION - ROOT_MODULES if (room, u) not in ALLOWED}
    assert not bad, f"{path.relative_to(SRC)}: {room} imports {sorted(bad)}"


def test_the_rules_catch_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from affectlab.cli._output import console\n"
                   "import affectlab.speech.audio\nfrom affectlab import analyze\n")
    assert _imports(bad) == {"cli", "speech", "text"}
