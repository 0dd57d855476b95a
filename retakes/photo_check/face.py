"""Faces and eyes with the Haar cascades that opencv-python-headless 4.x ships."""

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .config import CheckConfig

FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"
# About 25 px per eye: comfortably above the eye cascade's 20 px window, and cheap.
EYE_SEARCH_FACE_WIDTH = 120

# Loaded once per thread: a CascadeClassifier is not documented as safe to share between threads
# (the threaded dev server), and loading one costs tens of milliseconds.
_local = threading.local()


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2


def _classifier(name: str) -> cv2.CascadeClassifier:
    cache = getattr(_local, "cascades", None)
    if cache is None:
        cache = _local.cascades = {}
    classifier = cache.get(name)
    if classifier is None:
        path = Path(cv2.data.haarcascades) / name
        classifier = cv2.CascadeClassifier(str(path))
        if classifier.empty():
            raise RuntimeError(f"cannot load OpenCV cascade {path}")
        cache[name] = classifier
    return classifier


def find_faces(gray: np.ndarray, cfg: CheckConfig) -> list[Box]:
    """Frontal faces, largest first, found on a downscaled copy (4x fewer pixels, same answer)."""
    height, width = gray.shape[:2]
    scale = min(cfg.face_detect_width / width, 1.0)
    small = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    small = cv2.equalizeHist(small)
    min_side = max(int(cfg.face_min_px * scale), 20)
    found = _classifier(FACE_CASCADE).detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
    )
    boxes = [Box(round(x / scale), round(y / scale), round(w / scale), round(h / scale)) for x, y, w, h in found]
    return sorted(boxes, key=lambda b: b.w * b.h, reverse=True)


def find_eye_line(gray: np.ndarray, face: Box) -> float | None:
    """Mean height of one eye on each side of the face's centre line, or None if not both found."""
    top = face.y
    roi = gray[top : top + int(face.h * 0.6), face.x : face.x + face.w]
    if roi.size == 0:
        return None
    # Eyes are searched at a fixed face width: a large face costs no more than a small one.
    scale = min(EYE_SEARCH_FACE_WIDTH / face.w, 1.0)
    if scale < 1.0:
        roi = cv2.resize(roi, (round(roi.shape[1] * scale), round(roi.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    width = roi.shape[1]
    smallest = max(width // 10, 8)
    eyes = _classifier(EYE_CASCADE).detectMultiScale(
        roi, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest), maxSize=(width // 3, width // 3)
    )
    half = width / 2
    left = [(w * h, y + h / 2) for x, y, w, h in eyes if x + w / 2 < half]
    right = [(w * h, y + h / 2) for x, y, w, h in eyes if x + w / 2 >= half]
    if not left or not right:
        return None
    return top + (max(left)[1] + max(right)[1]) / 2 / scale
