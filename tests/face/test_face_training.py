"""CNN training: a killed run resumes from its checkpoint and ends where an unbroken run ends."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from affectlab.core.errors import ResumeMismatchError
from affectlab.face.training import CNNConfig, train_cnn


class _Stop(Exception):
    pass


def test_resume_equals_an_unbroken_run(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (40, 48, 48)).astype(np.uint8)
    y = rng.integers(0, 3, 40)
    cfg = CNNConfig(width=4, epochs=3, batch_size=16, seed=1)
    whole, _hist = train_cnn(x, y, 3, cfg, progress=False)

    def stop_after_first(line):
        raise _Stop

    ckpt = tmp_path / "ck.pt"
    with pytest.raises(_Stop):
        train_cnn(x, y, 3, cfg, checkpoint=ckpt, progress=False, log=stop_after_first)
    assert ckpt.exists()
    resumed, hist2 = train_cnn(x, y, 3, cfg, checkpoint=ckpt, progress=False)
    assert len(hist2) == 3
    for k, v in whole.state_dict().items():
        assert torch.allclose(v.float(), resumed.state_dict()[k].float(), atol=1e-5), k
    with pytest.raises(ResumeMismatchError):
        train_cnn(x, y, 3, CNNConfig(width=4, epochs=4, batch_size=16), checkpoint=ckpt,
                  progress=False)
