"""`affectlab demo`: a short tour of the ontology (the main job until the text model ships)."""

from __future__ import annotations

from rich.table import Table
from rich.tree import Tree

from affectlab import ontology
from affectlab.cli._output import console


def demo() -> None:
    """Map a label across every scheme and show an emotion's place in the tree."""
    o = ontology.load()
    label, src = "admiration", "goemotions"
    table = Table(title=f"GoEmotions '{label}' in every other scheme")
    table.add_column("scheme")
    table.add_column("label(s)")
    table.add_column("how")
    for name in ontology.schemes():
        if name == src:
            continue
        m = ontology.explain_mapping(label, src, name)
        how = m.relation + (", approximate" if m.approximate else "")
        table.add_row(name, ", ".join(m.targets) or "[red]no equivalent[/]", how)
    console.print(table)

    name = "amusement"
    node = o.node(name)
    console.print(f"\n[bold]{name}[/]: {' → '.join(o.path(name))}  ({node.definition})")
    console.print(f"  V/A/D {tuple(round(x, 2) for x in node.vad)}, "
                  f"words: {', '.join(node.vocabulary[:8])}")
    branch = Tree(f"[bold]{o.primary_of(name)}[/]")
    for sec in o.node(o.primary_of(name)).children:
        sub = branch.add(f"[bold]{sec}[/]" if sec in o.path(name) else sec)
        for ter in o.nodes[sec].children:
            sub.add(f"[reverse]{ter}[/]" if ter == name else ter)
    console.print(branch)
    console.print(f"\nopposite of joy: {', '.join(o.opposites('joy'))}; "
                  f"contempt is composed of {' + '.join(o.components('contempt'))}; "
                  f"frustration leads to {', '.join(o.leads_to('frustration'))}")
    console.print(f"nearest emotion to valence +0.8, arousal +0.6: {ontology.nearest(0.8, 0.6)}")
