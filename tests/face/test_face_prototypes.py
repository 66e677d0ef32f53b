"""The 5x5 valence-arousal prototype grid and the Proto-KD loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from affectlab.datasets.faces import FER_LABELS
from affectlab.face.cnn import FaceCNN, proto_kd_loss
from affectlab.face.prototypes import (
    GRID,
    cell_of,
    class_cells,
    class_prototypes,
    prototype_matrix,
)


def test_cells_cover_the_plane():
    assert cell_of(-1, -1) == (0, 0) and cell_of(1, 1) == (GRID - 1, GRID - 1)
    assert cell_of(0, 0) == (2, 2) and cell_of(-0.59, 0.34) == (1, 3)
    assert cell_of(5, -5) == (GRID - 1, 0)  # clipped


def test_classes_sit_where_the_ontology_puts_them():
    cells = dict(zip(FER_LABELS, class_cells(FER_LABELS, "fer7"), strict=True))
    assert cells["neutral"] == (2, 2)
    assert cells["happy"][0] > 2 and cells["sad"][0] < 2 and cells["angry"][0] < 2
    assert cells["sad"][1] < cells["angry"][1]  # sadness is calmer than anger


def test_prototypes_are_unit_and_respect_distance():
    p = prototype_matrix()
    assert p.shape == (GRID * GRID, 64)
    assert np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-6)
    centre = 2 * GRID + 2
    near, far = p[centre] @ p[centre + 1], p[centre] @ p[0]
    assert near > far
    assert np.allclose(prototype_matrix(seed=0), p)


def test_proto_kd_loss_is_zero_on_the_prototype_and_positive_elsewhere():
    torch.manual_seed(0)
    net = FaceCNN(7, width=4, proto_dim=64)
    protos = torch.as_tensor(class_prototypes(FER_LABELS, "fer7"))
    feats = torch.randn(5, net.n_features)
    y = torch.tensor([0, 1, 2, 3, 4])
    loss = proto_kd_loss(net, feats, y, protos)
    assert 0 < float(loss.detach()) <= 2
    with torch.no_grad():  # a projection that lands exactly on each prototype
        net.proto.weight.zero_()
        net.proto.bias.copy_(protos[3])
    assert float(proto_kd_loss(net, feats, torch.full((5,), 3), protos).detach()) == pytest.approx(
        0, abs=1e-6)
