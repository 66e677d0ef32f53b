"""A small VGG-style CNN for 48x48 grayscale faces, trained by affectlab on FER2013.

Stable names for the places inside it: `blocks.{i}` (conv blocks), `pool`, `features` (the
penultimate vector), `head` (class logits) and `proto` (the Proto-KD projection).
"""

from __future__ import annotations

import torch
from torch import nn

SIZE = 48  # input faces are 48x48 grayscale
CROP = 40  # random crops in training, centre and corner crops at test time


def _conv(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


class FaceCNN(nn.Module):
    """Four blocks of two 3x3 convolutions (width w, 2w, 4w, 8w), global pooling, a linear head."""

    def __init__(self, n_classes: int = 7, width: int = 24, dropout: float = 0.3,
                 proto_dim: int = 64) -> None:
        super().__init__()
        blocks, cin = [], 1
        for k in range(4):
            cout = width * 2**k
            blocks.append(nn.Sequential(*_conv(cin, cout), *_conv(cout, cout), nn.MaxPool2d(2)))
            cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(cin, n_classes)
        self.proto = nn.Linear(cin, proto_dim)
        self.n_features = cin

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 8w) penultimate features of (n, 1, h, w) faces scaled to [0, 1]."""
        x = (x - 0.5) / 0.25
        for block in self.blocks:
            x = block(x)
        return self.pool(x).flatten(1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return self.head(self.dropout(f)), f


def proto_kd_loss(model: FaceCNN, feats: torch.Tensor, targets: torch.Tensor,
                  prototypes: torch.Tensor) -> torch.Tensor:
    """Mean 1 - cos(projected features, prototype of the label's V/A cell)."""
    z = model.proto(feats)
    return (1 - nn.functional.cosine_similarity(z, prototypes[targets], dim=1)).mean()


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Training augmentation: random 40x40 crop, flip, +-10 degree rotation and +-10% scale,
    brightness/contrast jitter and random erasing (the usual FER2013 recipe)."""
    n = x.shape[0]
    r = lambda *s: torch.rand(*s, generator=generator)
    angle = (r(n) - 0.5) * (20 * torch.pi / 180)
    scale = 1 + (r(n) - 0.5) * 0.2
    flip = torch.where(r(n) < 0.5, -1.0, 1.0)
    shift = (r(n, 2) - 0.5) * 2 * ((SIZE - CROP) / SIZE)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * flip * CROP / SIZE, -sin * CROP / SIZE
    theta[:, 1, 0], theta[:, 1, 1] = sin * flip * CROP / SIZE, cos * CROP / SIZE
    theta[:, :, 2] = shift
    grid = nn.functional.affine_grid(theta, (n, 1, CROP, CROP), align_corners=False)
    out = nn.functional.grid_sample(x, grid, padding_mode="border", align_corners=False)
    gain = 1 + (r(n, 1, 1, 1) - 0.5) * 0.4
    bias = (r(n, 1, 1, 1) - 0.5) * 0.2
    out = ((out - 0.5) * gain + 0.5 + bias).clamp(0, 1)
    # random erasing: one box of up to a quarter of the crop in half the images
    for i in torch.nonzero(r(n) < 0.5).flatten().tolist():
        h, w = (4 + (r(2) * 12)).long().tolist()
        y0, x0 = (r(2) * torch.tensor([CROP - h, CROP - w])).long().tolist()
        out[i, :, y0:y0 + h, x0:x0 + w] = r(1).item()
    return out


def test_views(x: torch.Tensor, views: int = 10) -> torch.Tensor:
    """(views * n, 1, 40, 40): centre (+ 4 corners) crops and their mirror images."""
    m = (SIZE - CROP) // 2
    spots = [(m, m)] if views <= 2 else [(m, m), (0, 0), (0, SIZE - CROP),
                                         (SIZE - CROP, 0), (SIZE - CROP, SIZE - CROP)]
    crops = [x[:, :, y:y + CROP, c:c + CROP] for y, c in spots]
    crops += [torch.flip(v, dims=[3]) for v in crops]
    return torch.cat(crops[: max(views, 1)])


@torch.no_grad()
def predict_logits(model: FaceCNN, faces: torch.Tensor, views: int = 10,
                   batch: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean softmax over test views and mean features, for (n, 1, 48, 48) faces in [0, 1]."""
    model.eval()
    probs, feats = [], []
    for i in range(0, faces.shape[0], batch):
        x = faces[i:i + batch]
        v = test_views(x, views)
        logits, f = model(v)
        k = v.shape[0] // x.shape[0]
        probs.append(logits.softmax(1).view(k, x.shape[0], -1).mean(0))
        feats.append(f.view(k, x.shape[0], -1).mean(0))
    return torch.cat(probs), torch.cat(feats)
