"""Evaluation metrics: pure numpy functions, each tested against scikit-learn / scipy.

Classification (multi-class labels or multi-label 0/1 matrices), present-only scores for
label-set mismatch, multi-label thresholding, continuous agreement (CCC, correlations) and
per-subject / per-sequence aggregation. Conventions are documented in docs/metrics.md.
"""

from affectlab.metrics.aggregation import (
    get_metric,
    mean_over_sequences,
    mean_over_subjects,
    omg_empathy_scores,
    per_sequence,
    per_subject,
    pooled,
)
from affectlab.metrics.calibration import expected_calibration_error, fit_temperature
from affectlab.metrics.classification import (
    accuracy,
    balanced_accuracy,
    confusion_matrix,
    f1,
    macro_f1,
    micro_f1,
    per_class_f1,
    precision_recall_f1,
    present_only_balanced_accuracy,
    present_only_macro_f1,
    uar,
    weighted_accuracy,
    weighted_f1,
)
from affectlab.metrics.continuous import average_ranks, ccc, mae, mse, pearson, rmse, spearman
from affectlab.metrics.multilabel import apply_thresholds, multilabel_f1, tune_thresholds

__all__ = [
    "accuracy",
    "apply_thresholds",
    "average_ranks",
    "balanced_accuracy",
    "ccc",
    "confusion_matrix",
    "expected_calibration_error",
    "f1",
    "fit_temperature",
    "get_metric",
    "macro_f1",
    "mae",
    "mean_over_sequences",
    "mean_over_subjects",
    "micro_f1",
    "mse",
    "multilabel_f1",
    "omg_empathy_scores",
    "pearson",
    "per_class_f1",
    "per_sequence",
    "per_subject",
    "pooled",
    "precision_recall_f1",
    "present_only_balanced_accuracy",
    "present_only_macro_f1",
    "rmse",
    "spearman",
    "tune_thresholds",
    "uar",
    "weighted_accuracy",
    "weighted_f1",
]
