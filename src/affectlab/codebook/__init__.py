"""Codebooks: discrete bottlenecks (vector, residual and finite-scalar quantisers) for audio tokens
and, later, codebook layers inside transformers."""

from affectlab.codebook.quantizers import (
    MAX_STAGES,
    FiniteScalarQuantizer,
    Quantizer,
    QuantizerOutput,
    ResidualVectorQuantizer,
    VectorQuantizer,
    kmeans,
)

__all__ = ["MAX_STAGES", "FiniteScalarQuantizer", "Quantizer", "QuantizerOutput",
           "ResidualVectorQuantizer", "VectorQuantizer", "kmeans"]
