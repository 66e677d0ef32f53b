"""Public emotion corpora as one common table.

>>> from affectlab import datasets
>>> df = datasets.load("goemotions", split="train")   # id, text, path, labels, split, subject, ...
>>> datasets.info("meld").scheme
'meld7'

Data is found through `AFFECTLAB_DATA` or the sibling folder `../shared/data`; every loader
also takes `path=` for a local copy. See docs/datasets.md.
"""

from __future__ import annotations

from affectlab.datasets._paths import ENV_VAR, cache_dir, corpus_dir, data_dir
from affectlab.datasets._table import COMMON_COLUMNS, SPLITS
from affectlab.datasets.carer import load_carer
from affectlab.datasets.crowdflower import load_crowdflower
from affectlab.datasets.emobank import load_emobank
from affectlab.datasets.emodb import load_emodb, parse_emodb_filename
from affectlab.datasets.emoint import load_emoint
from affectlab.datasets.emomusic import load_emomusic, load_emomusic_dynamic
from affectlab.datasets.errors import DatasetFormatError, DatasetNotFoundError, UnknownDatasetError
from affectlab.datasets.faces import load_ckplus, load_facial_expressions, load_fer2013
from affectlab.datasets.fb_va import load_fb_va
from affectlab.datasets.goemotions import load_goemotions
from affectlab.datasets.isear import load_isear
from affectlab.datasets.loading import load
from affectlab.datasets.meld import load_meld
from affectlab.datasets.registry import DatasetInfo, info, list_datasets
from affectlab.datasets.splits import (
    leave_one_subject_out,
    stratified_kfold,
    stratified_split,
    subject_split,
)
from affectlab.datasets.summary import describe, overview
from affectlab.datasets.text_repair import clean_isear_text, fix_mojibake
from affectlab.datasets.tweeteval import load_tweeteval
from affectlab.datasets.vgmidi import load_vgmidi, load_vgmidi_annotations

__all__ = [
    "COMMON_COLUMNS",
    "ENV_VAR",
    "SPLITS",
    "DatasetFormatError",
    "DatasetInfo",
    "DatasetNotFoundError",
    "UnknownDatasetError",
    "cache_dir",
    "clean_isear_text",
    "corpus_dir",
    "data_dir",
    "describe",
    "fix_mojibake",
    "info",
    "leave_one_subject_out",
    "list_datasets",
    "load",
    "load_carer",
    "load_ckplus",
    "load_crowdflower",
    "load_emobank",
    "load_emodb",
    "load_emoint",
    "load_emomusic",
    "load_emomusic_dynamic",
    "load_facial_expressions",
    "load_fb_va",
    "load_fer2013",
    "load_goemotions",
    "load_isear",
    "load_meld",
    "load_tweeteval",
    "load_vgmidi",
    "load_vgmidi_annotations",
    "overview",
    "parse_emodb_filename",
    "stratified_kfold",
    "stratified_split",
    "subject_split",
]
