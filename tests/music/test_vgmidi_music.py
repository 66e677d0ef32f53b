"""The music models' inputs built from the real VGMIDI corpus (skipped when it is absent)."""

import numpy as np
import pytest

from affectlab.music.attributes import ATTRIBUTES


@pytest.fixture(scope="module")
def annotations(data_dir):
    if not (data_dir / "vgmidi" / "labelled" / "annotations").is_dir():
        pytest.skip("VGMIDI raw annotations not found under the shared corpora")
    from affectlab.datasets import load_vgmidi_annotations

    return load_vgmidi_annotations(data_dir / "vgmidi")


def test_annotators_are_recognised_across_pieces(annotations):
    assert annotations.piece.nunique() == 200
    per = annotations.groupby("annotator").piece.nunique()
    assert (per >= 2).sum() > 2000  # most listeners annotated two pieces
    lengths = annotations.apply(lambda r: len(r.valence) == len(r.arousal) == r.measures, axis=1)
    assert lengths.mean() > 0.99
    values = np.concatenate(annotations.valence.to_list())
    assert values.min() >= -1 and values.max() <= 1


def test_bar_sequences_match_the_annotations(data_dir, annotations):
    from affectlab.music.corpus import vgmidi_sequences

    seqs = vgmidi_sequences(data_dir / "vgmidi")
    assert len(seqs) == 200
    s = seqs[0]
    assert s.features.shape == (len(s.mean_curve), len(ATTRIBUTES))
    assert len(s.curves) >= 25
