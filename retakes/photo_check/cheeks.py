"""Whether dlib's cheek points left the cheeks for an ear: checked against the person's outline.

At the cheekbones the head reaches past the cheek by an ear (or the hair over it): 0.10-0.29 face
widths on the corpus's people, on the side turned towards the camera (measured). Turned
away, the far cheek can be the outline itself, its ear hidden behind it (measured: 4-10 px on a
man turned a little), so only the side turned towards the camera is judged, the side where the
cheek lies further from the nose than its eye does. A cheek point there with less than
CHEEK_CLEARANCE of head beyond it has followed the ear's rim (Grace Hopper: 221 px for 200 on a
darker blue, 279 for 210, 189 for 150 and accepted), and the face is fitted again (face.refitted).
"""

import numpy as np

from .background import SCALE
from .face import Face

CHEEK_CLEARANCE = 0.09  # face widths of head beyond the cheek point: half an ear


def on_the_ear(face: Face, person: np.ndarray) -> bool:
    """`person`: the half-size mask of the person (background.Separation.person)."""
    points = face.points.astype(np.float64)
    across = face.right_eye - face.left_eye
    across = across / np.linalg.norm(across)
    nose = points[27:31].mean(axis=0)
    left_cheek, right_cheek = float(np.dot(nose - points[1], across)), float(np.dot(points[15] - nose, across))
    left_eye, right_eye = float(np.dot(nose - points[36], across)), float(np.dot(points[45] - nose, across))
    if min(left_cheek, right_cheek, left_eye, right_eye) <= 0:
        return True  # the points are crossed: no fit of a face
    limit = CHEEK_CLEARANCE * face.width
    if right_cheek / right_eye > left_cheek / left_eye:
        return _clearance(person, points[15], step=1) < limit
    return _clearance(person, points[1], step=-1) < limit


def _clearance(person: np.ndarray, point: np.ndarray, *, step: int) -> float:
    """Full-size px of person along the point's row, outward from it (0 when it is not on the person)."""
    height, width = person.shape
    x, y = round(float(point[0]) * SCALE), round(float(point[1]) * SCALE)
    if not (0 <= x < width and 0 <= y < height):
        return 0.0
    outward = person[y, x::-1] if step < 0 else person[y, x:]
    beyond = np.flatnonzero(~outward)
    run = int(beyond[0]) if beyond.size else outward.size
    return run / SCALE
