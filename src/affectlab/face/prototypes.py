"""The 5x5 valence-arousal prototype grid and the Proto-KD loss (after NeuroGaze-Distill).

The paper derives its prototypes from an EEG teacher, which affectlab does not have. Here each
class is placed in the grid by the ontology's valence-arousal coordinates of its label, and each
cell's prototype is a fixed unit vector: a Gaussian bump over the 25 cell centres, projected by a
seeded random matrix, so that neighbouring cells have similar prototypes and distant ones do not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GRID = 5
EDGES = np.linspace(-1.0, 1.0, GRID + 1)
CENTRES = (EDGES[:-1] + EDGES[1:]) / 2


def cell_of(valence: float, arousal: float) -> tuple[int, int]:
    """(valence bin, arousal bin) of a point on [-1, 1]^2 in the 5x5 grid."""
    def bin_of(x: float) -> int:
        return int(np.clip(np.searchsorted(EDGES, x, side="right") - 1, 0, GRID - 1))

    return bin_of(valence), bin_of(arousal)


def class_cells(labels: Sequence[str], scheme: str) -> list[tuple[int, int]]:
    """The grid cell of each label of `scheme`, from the ontology's V/A coordinates."""
    from affectlab.ontology.mapping import label_vad

    cells = []
    for label in labels:
        vad = label_vad(label, scheme)
        cells.append(cell_of(0.0, 0.0) if vad is None else cell_of(vad.valence, vad.arousal))
    return cells


def prototype_matrix(dim: int = 64, seed: int = 0, width: float = 0.4) -> np.ndarray:
    """(25, dim) unit prototypes, row = valence bin * 5 + arousal bin."""
    vv, aa = np.meshgrid(CENTRES, CENTRES, indexing="ij")
    centres = np.stack([vv.ravel(), aa.ravel()], 1)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    bumps = np.exp(-d2 / (2 * width**2))
    proj = np.random.default_rng(seed).standard_normal((GRID * GRID, dim))
    protos = bumps @ proj
    return (protos / np.linalg.norm(protos, axis=1, keepdims=True)).astype(np.float32)


def class_prototypes(labels: Sequence[str], scheme: str, dim: int = 64,
                     seed: int = 0) -> np.ndarray:
    """(n_labels, dim): the prototype of each label's cell."""
    grid = prototype_matrix(dim, seed)
    return np.stack([grid[v * GRID + a] for v, a in class_cells(labels, scheme)])
