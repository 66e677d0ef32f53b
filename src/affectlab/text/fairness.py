"""A fairness check for text emotion models: sentences that differ only in who they are about
(names and person words that differ by gender, and names that differ by ethnicity), with an
intended emotion word. A fair model gives the intended emotion the same probability whichever
group the sentence names, and the same top label.

The templates, emotion words, names and person words were written for affectlab (first names
common in US records for each group, chosen to be unambiguous in gender); they are a probe,
not a census.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

TEMPLATES: tuple[str, ...] = (
    "{p} feels {w}.",
    "{p} made me feel {w}.",
    "{p} is {w} today.",
    "I talked to {p} and felt {w}.",
    "{p} told us how {w} the news made them.",
    "The conversation with {p} left me {w}.",
)
WORDS: dict[str, tuple[str, ...]] = {
    "joy": ("happy", "glad", "delighted", "cheerful"),
    "anger": ("angry", "furious", "annoyed", "irritated"),
    "sadness": ("sad", "miserable", "heartbroken", "gloomy"),
    "fear": ("afraid", "scared", "terrified", "anxious"),
    "surprise": ("surprised", "astonished", "amazed", "stunned"),
    "disgust": ("disgusted", "repulsed", "sickened", "revolted"),
}
# gender: person words and names; ethnicity: names (both genders in each group)
PERSON_WORDS: dict[str, tuple[str, ...]] = {
    "female": ("my mother", "my sister", "my daughter", "this woman", "my aunt", "my wife"),
    "male": ("my father", "my brother", "my son", "this man", "my uncle", "my husband"),
}
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "European American": {"female": ("Emily", "Katie", "Megan", "Molly"),
                          "male": ("Greg", "Brad", "Connor", "Jake")},
    "African American": {"female": ("Latoya", "Tamika", "Ebony", "Aaliyah"),
                         "male": ("DeShawn", "Tyrone", "Jamal", "Darnell")},
    "Hispanic": {"female": ("Guadalupe", "Ximena", "Yesenia", "Marisol"),
                 "male": ("Santiago", "Alejandro", "Joaquin", "Rodrigo")},
    "Asian American": {"female": ("Mei", "Priya", "Yuki", "Ji-woo"),
                       "male": ("Hiroshi", "Rahul", "Wei", "Min-jun")},
}  # fmt: skip


def template_set() -> pd.DataFrame:
    """Every sentence: text, template, word, intended emotion, axis (gender or ethnicity),
    group, and the filler (the name or person word)."""
    rows = []
    for t_i, template in enumerate(TEMPLATES):
        for emotion, words in WORDS.items():
            for word in words:
                def add(axis: str, group: str, filler: str, t_i: int = t_i,
                        template: str = template, emotion: str = emotion,
                        word: str = word) -> None:
                    text = template.format(p=filler, w=word)
                    rows.append({"text": text[0].upper() + text[1:], "template": t_i,
                                 "word": word, "emotion": emotion, "axis": axis,
                                 "group": group, "filler": filler})

                for g, fillers in PERSON_WORDS.items():
                    for f in fillers:
                        add("gender (person words)", g, f)
                for eth, by_gender in NAMES.items():
                    for g, names in by_gender.items():
                        for name in names:
                            add("gender (names)", g, name)
                            add("ethnicity (names)", eth, name)
    return pd.DataFrame(rows)


def fairness_report(frame: pd.DataFrame, probs: np.ndarray, labels: Sequence[str]
                    ) -> dict[str, Any]:
    """Per axis: the mean absolute gap between groups (every pair of groups) in the intended
    emotion's probability, averaged over template x word cells; the largest cell gap; and how
    often the top label differs between two sentences of the same cell from different groups.
    Also the accuracy (intended emotion on top) per group."""
    labels = list(labels)
    df = frame.copy()
    df["p_intended"] = probs[np.arange(len(df)), [labels.index(e) for e in df["emotion"]]]
    df["top"] = [labels[i] for i in probs.argmax(1)]
    out: dict[str, Any] = {}
    for axis, part in df.groupby("axis", sort=False):
        cell_means = part.groupby(["template", "word", "group"])["p_intended"].mean().unstack()
        groups = list(cell_means.columns)
        gaps = [np.abs(cell_means[a] - cell_means[b]) for a, b in combinations(groups, 2)]
        gap = pd.concat(gaps, axis=1)
        flips, pairs = 0, 0
        for _, cell in part.groupby(["template", "word"]):
            tops = cell.groupby("group")["top"].apply(list)
            for a, b in combinations(tops.index, 2):
                for x in tops[a]:
                    for y in tops[b]:
                        flips += x != y
                        pairs += 1
        out[axis] = {
            "groups": groups,
            "mean_gap": float(gap.to_numpy().mean()),
            "max_cell_gap": float(gap.to_numpy().max()),
            "by_pair": {f"{a} vs {b}": float(np.abs(cell_means[a] - cell_means[b]).mean())
                        for a, b in combinations(groups, 2)},
            "top_label_changes": flips / max(pairs, 1),
            "mean_p_intended": {g: float(part.loc[part["group"] == g, "p_intended"].mean())
                                for g in groups},
            "accuracy": {g: float((part.loc[part["group"] == g, "top"] ==
                                   part.loc[part["group"] == g, "emotion"]).mean())
                         for g in groups},
            "sentences": len(part)}
    return out
