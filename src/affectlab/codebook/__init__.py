"""Codebooks: discrete bottlenecks (vector, residual and finite-scalar quantisers) for audio tokens,
and codebook layers (top-k codes, straight-through gradient) inside transformers."""

from affectlab.codebook.layer import (
    CodebookLayer,
    GroupedCodebookLayer,
    codebook_aux_loss,
    codebook_layers,
    codebook_param_groups,
)
from affectlab.codebook.quantizers import (
    MAX_STAGES,
    FiniteScalarQuantizer,
    Quantizer,
    QuantizerOutput,
    ResidualVectorQuantizer,
    VectorQuantizer,
    kmeans,
)

__all__ = ["MAX_STAGES", "CodebookLayer", "FiniteScalarQuantizer", "GroupedCodebookLayer",
           "Quantizer", "QuantizerOutput", "ResidualVectorQuantizer", "VectorQuantizer",
           "codebook_aux_loss", "codebook_layers", "codebook_param_groups", "kmeans"]
