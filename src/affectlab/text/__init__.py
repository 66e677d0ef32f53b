"""Text emotion recognition: a trained default model, any encoder, any scheme of the ontology.

    >>> import affectlab
    >>> affectlab.analyze("I can't believe you did this", scheme="ekman")
"""

from affectlab.text.classifier import EmotionClassifier, ModelNotFoundError, default_model_dir
from affectlab.text.encoder import DEFAULT_ENCODER, EncoderNotFoundError
from affectlab.text.masking import EmotionWordMasker, emotion_words
from affectlab.text.network import AdapterConfig
from affectlab.text.training import TrainSettings

__all__ = [
    "DEFAULT_ENCODER",
    "AdapterConfig",
    "EmotionClassifier",
    "EmotionWordMasker",
    "EncoderNotFoundError",
    "ModelNotFoundError",
    "TrainSettings",
    "default_model_dir",
    "emotion_words",
]
