"""Faces and their landmarks: dlib's HOG face detector and its 68-point shape predictor.

The predictor's model ships inside the face-recognition-models package (nothing is downloaded at
run time). From the 68 points: the eye centres (the mean of each eye's six points, so it holds
behind glasses too), the cheek-to-cheek width at the cheekbones (points 1 and 15, the face contour
just below the eyes, 两脸颊之间 in the standard), and the chin (point 8).
"""

import threading
from dataclasses import dataclass

import cv2
import dlib
import face_recognition_models
import numpy as np

from .config import CheckConfig

# One OpenCV thread for the process: on a 480x640 photo a second thread saves no time and costs
# CPU (measured: 0.3 ms per check); the server runs checks side by side instead.
cv2.setNumThreads(1)

# dlib's detector finds faces from about 80 px wide (its box is about the cheek-to-cheek width).
# Most photos' faces are found on a copy at 0.35 (8x fewer pixels, a third of the cost of half
# size); a face too small for it is looked for at half size, then at full size.
DETECT_SCALES = (0.35, 0.5, 1.0)

# Loaded once per thread: the objects are not documented as safe to share between threads
# (the threaded dev server), and loading the predictor costs about 0.1 s and 100 MB once.
_local = threading.local()


@dataclass(frozen=True)
class Face:
    points: np.ndarray  # (68, 2) float, full-size pixel coordinates
    box: dlib.rectangle  # the detector's box the points were fitted from

    @property
    def left_eye(self) -> np.ndarray:
        return self.points[36:42].mean(axis=0)

    @property
    def right_eye(self) -> np.ndarray:
        return self.points[42:48].mean(axis=0)

    @property
    def eye_line(self) -> float:
        return float((self.left_eye[1] + self.right_eye[1]) / 2)

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.points[15] - self.points[1]))

    @property
    def centre_x(self) -> float:
        return float((self.points[1][0] + self.points[15][0]) / 2)

    @property
    def chin_y(self) -> float:
        return float(self.points[8][1])

    @property
    def brow_y(self) -> float:
        return float(self.points[17:27, 1].min())

    def hull(self) -> np.ndarray:
        return cv2.convexHull(self.points.astype(np.int32))


def _models():
    models = getattr(_local, "models", None)
    if models is None:
        detector = dlib.get_frontal_face_detector()
        predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
        models = _local.models = (detector, predictor)
    return models


def find_faces(gray: np.ndarray, half: np.ndarray, cfg: CheckConfig) -> list[Face]:
    """Frontal faces with their landmarks, widest first. `half`: `gray` at half size, already made
    for the backdrop; the detector's smaller copies are made from it (four times fewer pixels to read)."""
    detector, predictor = _models()
    boxes, scale = [], 1.0
    for scale in DETECT_SCALES:
        boxes = [_scaled(box, 1 / scale) for box in detector(_at_scale(gray, half, scale), 0)]
        if boxes:
            break
    faces = [Face(_points(predictor(gray, box)), box) for box in boxes]
    if scale < 1.0:
        faces = [_confirmed(face, gray, cfg) for face in faces]
    faces = [face for face in faces if face.width >= cfg.face_min_px]
    return sorted(faces, key=lambda face: face.width, reverse=True)


def _confirmed(face: Face, gray: np.ndarray, cfg: CheckConfig) -> Face:
    """A face the rule would refuse as too wide, fitted again from a box found at full size; the
    narrower fit is kept.

    The detector's boxes come in steps of a fifth; on a smaller copy a step is coarse, and a box a
    sixth too large can carry the 68 points out with it onto the ears and cap (measured: 305 px for
    a face placed 220 wide, 226 from the full-size box). That failure only ever widens a face, and
    the full-size box has it too for some faces and sizes (a face placed 155 wide: 170 from the
    small copy's box, 216 from the full-size one), so a face too narrow is not fitted again and of
    two fits the narrower is kept. Only for a refusal: the search costs about four detections."""
    if face.width <= cfg.face_width_px[1]:
        return face
    detector, predictor = _models()
    height, width = gray.shape[:2]
    box = face.box
    margin = round(0.3 * box.width())
    x0, y0 = max(box.left() - margin, 0), max(box.top() - margin, 0)
    x1, y1 = min(box.right() + margin, width), min(box.bottom() + margin, height)
    found = detector(np.ascontiguousarray(gray[y0:y1, x0:x1]), 0)
    if not found:
        return face
    best = dlib.translate_rect(max(found, key=lambda b: b.width()), dlib.point(x0, y0))
    return min(face, Face(_points(predictor(gray, best)), best), key=lambda fit: fit.width)


# dlib's detector scans an image pyramid whose levels are 5/6 of each other, so its boxes come in
# steps of a fifth: a box one step smaller is the detector's next size down.
PYRAMID_STEP = 5 / 6


def refitted(face: Face, gray: np.ndarray) -> Face:
    """`face` fitted again from its box one step smaller, if that fit is narrower: for points that
    followed an ear or a cap out of a box a step too large (cheeks.on_the_ear). A step, not a new
    detection: on a crop at full size the detector can return the same too-large box (Hopper 220
    px wide: 297 px from one crop, 224 from a crop a pixel taller)."""
    _, predictor = _models()
    centre, half = face.box.center(), face.box.width() * PYRAMID_STEP / 2
    smaller = dlib.rectangle(
        round(centre.x - half), round(centre.y - half), round(centre.x + half), round(centre.y + half)
    )
    fit = Face(_points(predictor(gray, smaller)), smaller)
    return fit if fit.width < face.width else face


def _at_scale(gray: np.ndarray, half: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return gray
    if scale == 0.5:
        return half
    height, width = gray.shape[:2]
    size = (round(width * scale), round(height * scale))
    # From the half-size copy, 0.35 is a factor of 0.7: bilinear there gives the corpus the same
    # figures as an area resize, at a quarter of its time.
    return cv2.resize(half if scale < 0.5 else gray, size, interpolation=cv2.INTER_LINEAR)


def _scaled(box, factor: float):
    return dlib.rectangle(
        round(box.left() * factor), round(box.top() * factor), round(box.right() * factor), round(box.bottom() * factor)
    )


def _points(shape) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
