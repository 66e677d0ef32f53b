"""`load(name)`: one entry point that dispatches to the per-corpus loaders."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd

from affectlab.datasets._table import normalise_split
from affectlab.datasets.carer import load_carer
from affectlab.datasets.crowdflower import load_crowdflower
from affectlab.datasets.emobank import load_emobank
from affectlab.datasets.emodb import load_emodb
from affectlab.datasets.emoint import load_emoint
from affectlab.datasets.emomusic import load_emomusic
from affectlab.datasets.faces import load_ckplus, load_facial_expressions, load_fer2013
from affectlab.datasets.fb_va import load_fb_va
from affectlab.datasets.goemotions import load_goemotions
from affectlab.datasets.isear import load_isear
from affectlab.datasets.meld import load_meld
from affectlab.datasets.multimodal import load_crema_d, load_liris_accede
from affectlab.datasets.registry import info
from affectlab.datasets.tweeteval import load_tweeteval
from affectlab.datasets.vgmidi import load_vgmidi

LOADERS: dict[str, Callable[..., pd.DataFrame]] = {
    "goemotions": load_goemotions,
    "carer": load_carer,
    "tweeteval": load_tweeteval,
    "emobank": load_emobank,
    "isear": load_isear,
    "meld": load_meld,
    "emoint": load_emoint,
    "fb_va": load_fb_va,
    "crowdflower": load_crowdflower,
    "emodb": load_emodb,
    "fer2013": load_fer2013,
    "ckplus": load_ckplus,
    "facial_expressions": load_facial_expressions,
    "emomusic": load_emomusic,
    "vgmidi": load_vgmidi,
    "crema_d": load_crema_d,
    "liris_accede": load_liris_accede,
}


def load(
    name: str,
    path: str | os.PathLike[str] | None = None,
    split: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Load a corpus as the common table (id, text, path, labels, split, subject, extras).

    `path` overrides the corpus folder; `split` ('train'/'dev'/'test') keeps one official split;
    `options` go to the corpus loader (e.g. `variant='ekman'` for GoEmotions).
    """
    entry = info(name)
    wanted = normalise_split(split)
    if wanted is not None and not entry.official_split:
        raise ValueError(
            f"corpus {entry.name!r} has no official split; load it whole and use "
            "affectlab.datasets.stratified_split / subject_split / stratified_kfold"
        )
    return LOADERS[entry.name](path=path, split=wanted, **options)
