"""Across modalities: late fusion of per-modality emotion distributions (with absent modalities
left out, never guessed), and modality-pairwise contrastive learning of joint features.

    >>> from affectlab.multimodal import fuse, LateFusion, PairwiseContrastive
"""

from __future__ import annotations

from affectlab.core.lazy import by_module, lazy_attributes

_NAMES = by_module({
    "affectlab.multimodal.fusion": ["RULES", "LateFusion", "fuse", "reliability"],
    "affectlab.multimodal.contrastive": ["PairwiseContrastive", "info_nce", "timeline_views"],
    "affectlab.multimodal.discord": ["adapt_by_subject", "bah_report", "discord_score",
                                     "js_divergence"],
})
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
__all__ = ["RULES", "LateFusion", "PairwiseContrastive", "adapt_by_subject", "bah_report",
           "discord_score", "fuse", "info_nce", "js_divergence", "reliability", "timeline_views"]
