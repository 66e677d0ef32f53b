"""`affectlab ontology ...`: browse the emotion tree, map labels between schemes, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from affectlab import ontology as onto_api
from affectlab.cli._output import console, emit_json, err_console, fail
from affectlab.errors import UnknownNameError

app = typer.Typer(help="The emotion ontology: Parrott's tree, relations, label schemes, V/A/D.",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _guard(fn, as_json: bool):
    """Run `fn`, turning unknown names and bad values into a clean error exit."""
    try:
        return fn()
    except (UnknownNameError, ValueError, LookupError) as exc:
        fail(str(exc), as_json=as_json)


def _fmt_vad(vad) -> str:
    return "—" if vad is None else f"V {vad.valence:+.2f}  A {vad.arousal:+.2f}  D {vad.dominance:+.2f}"


@app.command("schemes")
def schemes_cmd(as_json: JsonOpt = False) -> None:
    """List the label schemes the ontology maps."""
    regs = [onto_api.get_scheme(s) for s in onto_api.schemes()]
    if as_json:
        emit_json([{"name": s.name, "title": s.title, "kind": s.kind, "size": len(s),
                    "aliases": list(s.aliases), "labels": s.label_names} for s in regs])
        return
    table = Table(title="Label schemes")
    for col in ("scheme", "labels", "kind", "aliases", "title"):
        table.add_column(col)
    for s in regs:
        table.add_row(s.name, str(len(s)), s.kind, ", ".join(s.aliases[:3]), s.title)
    console.print(table)


@app.command("scheme")
def scheme_cmd(name: str, as_json: JsonOpt = False) -> None:
    """Show one scheme's labels and the ontology nodes each stands for."""
    s = _guard(lambda: onto_api.get_scheme(name), as_json)
    if as_json:
        emit_json(s.to_dict())
        return
    table = Table(title=f"{s.name}: {s.title}")
    for col in ("label", "ontology nodes", "note"):
        table.add_column(col)
    for lab in s.labels.values():
        where = (f"{lab.region[0]} valence, {lab.region[1]} arousal" if lab.region else
                 ", ".join(lab.nodes) or "[red]no equivalent[/]")
        table.add_row(lab.name, where, lab.note or "")
    console.print(table)


@app.command("show")
def show_cmd(name: str, as_json: JsonOpt = False) -> None:
    """Everything about one emotion: tier, path, definition, V/A/D, vocabulary, relations."""
    o = onto_api.load()
    if name.strip().lower() == onto_api.NEUTRAL:
        _show_neutral(as_json)
        return
    node = _guard(lambda: o.node(name), as_json)
    rels = [r.to_dict() for r in o.related(node.name)]
    if as_json:
        emit_json({**node.to_dict(), "path": o.path(node.name), "relations": rels})
        return
    console.print(f"[bold]{node.name}[/] ({node.tier_name})  {' → '.join(o.path(node.name))}")
    console.print(f"  {node.definition}")
    console.print(f"  {_fmt_vad(node.vad)}")
    if node.children:
        console.print(f"  children: {', '.join(node.children)}")
    if node.vocabulary:
        words = ", ".join(node.vocabulary[:25])
        more = f" (+{len(node.vocabulary) - 25} more)" if len(node.vocabulary) > 25 else ""
        console.print(f"  vocabulary: {words}{more}")
    for r in rels:
        console.print(f"  {r['source']} [cyan]{r['type']}[/] {r['target']}  [dim]({r['evidence']})[/]")


def _show_neutral(as_json: bool) -> None:
    """Neutral is no node of the tree but the concept every scheme's neutral label maps to."""
    vad = onto_api.to_vad(onto_api.NEUTRAL)
    info = {"name": onto_api.NEUTRAL, "tier": None, "tier_name": "not in the tree",
            "definition": "no particular emotion: the centre of valence-arousal-dominance "
                          "space, where the neutral or no-emotion labels of every scheme map",
            "vad": {"valence": vad.valence, "arousal": vad.arousal, "dominance": vad.dominance},
            "path": [onto_api.NEUTRAL], "relations": []}
    if as_json:
        emit_json(info)
        return
    console.print(f"[bold]{onto_api.NEUTRAL}[/] (not in the tree)")
    console.print(f"  {info['definition']}")
    console.print(f"  {_fmt_vad(vad)}")


@app.command("path")
def path_cmd(name: str, as_json: JsonOpt = False) -> None:
    """The path from an emotion up to its primary (tertiary → secondary → primary)."""
    p = _guard(lambda: onto_api.path(name), as_json)
    if as_json:
        emit_json({"name": p[0], "path": p})
    else:
        console.print(" → ".join(p))


@app.command("map")
def map_cmd(
    label: str,
    src: Annotated[str, typer.Option("--from", help="Scheme of LABEL, e.g. goemotions.")],
    dst: Annotated[str, typer.Option("--to", help="Scheme to map into, e.g. ekman.")],
    as_json: JsonOpt = False,
) -> None:
    """Map a label from one scheme to another through the ontology (no guessing)."""
    m = _guard(lambda: onto_api.explain_mapping(label, src, dst), as_json)
    if as_json:
        emit_json(m.to_dict())
        return
    if m.targets:
        console.print(", ".join(m.targets), highlight=False)
    err_console.print(f"[dim]{m.src}:{m.label} → {m.dst}: {m.relation}"
                      f"{', approximate' if m.approximate else ''}"
                      f"{' (via ' + ', '.join(m.nodes) + ')' if m.nodes else ''}[/]")
    for note in m.notes:
        err_console.print(f"[dim]  {note}[/]")


@app.command("tree")
def tree_cmd(name: Annotated[str | None, typer.Argument(help="Root (default: all)")] = None,
             as_json: JsonOpt = False) -> None:
    """Print the tree, or the branch under one emotion."""
    o = onto_api.load()
    roots = [_guard(lambda: o.node(name), as_json).name] if name else o.primary

    def as_dict(n: str) -> dict:
        return {"name": n, "children": [as_dict(c) for c in o.nodes[n].children]}

    if as_json:
        emit_json([as_dict(r) for r in roots])
        return
    top = Tree("[bold]emotions[/]") if len(roots) > 1 else Tree(f"[bold]{roots[0]}[/]")

    def add(parent: Tree, n: str) -> None:
        for c in o.nodes[n].children:
            add(parent.add(c), c)

    for r in roots:
        add(top.add(f"[bold]{r}[/]") if len(roots) > 1 else top, r)
    console.print(top)


@app.command("relations")
def relations_cmd(
    name: str,
    type_: Annotated[str | None, typer.Option("--type", help="is_opposite_of | is_composed_of | leads_to")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Relations of one emotion (TONE's three dependency types)."""
    rels = _guard(lambda: onto_api.load().related(name, type_), as_json)
    if as_json:
        emit_json([r.to_dict() for r in rels])
        return
    if not rels:
        console.print(f"no {type_ or ''} relations for {name}".replace("  ", " "))
    for r in rels:
        console.print(f"{r.source} [cyan]{r.type}[/] {r.target}  [dim]({r.evidence})[/]")


@app.command("vad")
def vad_cmd(name: str,
            scheme: Annotated[str | None, typer.Option(help="Read NAME as a label of this scheme.")] = None,
            as_json: JsonOpt = False) -> None:
    """Valence, arousal, dominance (on [-1, 1]) of an emotion or a scheme label."""
    vad = _guard(lambda: onto_api.to_vad(name, scheme=scheme), as_json)
    quadrant = onto_api.quadrant(vad.valence, vad.arousal)
    if as_json:
        emit_json({"name": name, "scheme": scheme, **vad._asdict(), "quadrant": quadrant})
    else:
        console.print(f"{name}: {_fmt_vad(vad)}  ({quadrant or 'no quadrant'})")


@app.command("nearest")
def nearest_cmd(
    valence: Annotated[float, typer.Argument(help="Valence on [-1, 1]")],
    arousal: Annotated[float, typer.Argument(help="Arousal on [-1, 1]")],
    dominance: Annotated[float | None, typer.Argument(help="Dominance on [-1, 1] (optional)")] = None,
    tier: Annotated[str | None, typer.Option(help="primary | secondary | tertiary")] = None,
    k: Annotated[int, typer.Option("-k", help="How many to list.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """The emotions closest to a point in valence-arousal(-dominance) space."""
    hits = _guard(lambda: onto_api.load().nearest(valence, arousal, dominance, tier=tier, k=k), as_json)
    if as_json:
        emit_json([{"name": n, "distance": d} for n, d in hits])
        return
    for n, d in hits:
        console.print(f"{n:<16} {d:.3f}")


@app.command("lookup")
def lookup_cmd(word: str, as_json: JsonOpt = False) -> None:
    """Which emotion a word belongs to (node names and vocabulary)."""
    o = onto_api.load()
    node = o.lookup(word)
    if as_json:
        emit_json({"word": word, "node": node, "path": o.path(node) if node else None})
    elif node:
        console.print(f"{word}: {' → '.join(o.path(node))}")
    else:
        console.print(f"{word}: not in the ontology's vocabulary")


@app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Option("--format", help="turtle (OWL 2 + SKOS) or json")] = "turtle",
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
) -> None:
    """Export the whole ontology as OWL/Turtle or JSON."""
    from affectlab.ontology.export import to_turtle

    if fmt not in ("turtle", "ttl", "owl", "json"):
        fail(f"unknown format {fmt!r}; choose turtle or json")
    text = (json.dumps(onto_api.load().to_dict(), ensure_ascii=False, indent=1) + "\n"
            if fmt == "json" else to_turtle())
    _write(text, out)


@app.command("emotionml")
def emotionml_cmd(
    input_: Annotated[Path, typer.Argument(metavar="INPUT.jsonl",
                                           help="One annotation per line: {labels, vad, id, text}.")],
    scheme: Annotated[str, typer.Option(help="Scheme of the labels.")] = "ekman6",
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
) -> None:
    """Convert annotations (JSON lines) to a W3C EmotionML 1.0 document."""
    from affectlab.ontology.export import to_emotionml, validate_annotation

    if not input_.is_file():
        fail(f"no such file: {input_}")
    sch = _guard(lambda: onto_api.get_scheme(scheme), False)
    try:
        lines = input_.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        fail(f"{input_} is not UTF-8 text")
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            validate_annotation(item, sch)
        except json.JSONDecodeError as exc:
            fail(f"{input_}, line {number}: not JSON ({exc.msg})")
        except ValueError as exc:  # includes UnknownNameError
            fail(f"{input_}, line {number}: {exc}")
        items.append(item)
    if not items:
        fail(f"{input_} holds no annotations")
    _write(_guard(lambda: to_emotionml(items, sch), False), out)


@app.command("build")
def build_cmd(
    data: Annotated[Path | None, typer.Option(help="Folder holding warriner_vad/ (default: AFFECTLAB_DATA or ../shared/data).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write vocabulary.json and vad.json (default: the package data).")] = None,
    threshold: Annotated[float, typer.Option(help="Minimum word-node cosine similarity.")] = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the vocabulary and V/A/D coordinates (TONE-style, with the offline MiniLM)."""
    from affectlab.ontology.build import PACKAGE_DATA, BuildSettings, build, write

    try:
        settings = BuildSettings(threshold=threshold)
        result = build(data_dir=data, settings=settings, progress=not as_json)
    except (ModuleNotFoundError, FileNotFoundError, ValueError) as exc:
        fail(str(exc), as_json=as_json)
    paths = write(result, out or PACKAGE_DATA)
    counts = {k: len(v) for k, v in result.vocabulary.items()}
    if as_json:
        emit_json({**result.meta, "words_per_node": counts, "written": [str(p) for p in paths]})
        return
    console.print(f"{result.meta['candidates']['count']} candidates, "
                  f"{result.meta['assigned']} words assigned to {sum(1 for c in counts.values() if c)} "
                  f"of {len(counts)} nodes; rejected: {result.meta['rejected']}")
    for p in paths:
        console.print(f"wrote {p}")


def _write(text: str, out: Path | None) -> None:
    """Write to `out` atomically (temporary name, then rename), or to stdout."""
    if out is None:
        typer.echo(text, nl=False)
        return
    tmp = out.with_name(out.name + ".tmp")
    try:
        if out.is_dir():
            raise IsADirectoryError(f"{out} is a folder")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror or exc}")
    err_console.print(f"wrote {out}")
