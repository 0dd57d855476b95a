"""Test photos built from a real face photograph that scikit-image ships (skimage.data.astronaut:
Eileen Collins, NASA portrait, public domain), cut out of its studio background with GrabCut
and placed on backgrounds and at positions chosen to pass or to break each rule.

Landmarks of the source image, measured by eye on a 4x enlargement (pixels of the 512x512 original):
pupils at y=102 (x=204 and x=248), face centre x=225, hair top found from the cut-out mask.
"""

import functools
import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

XINHUA_BLUE = (100, 197, 255)
WIDTH, HEIGHT = 480, 640
SOURCE_EYE_Y = 102.0
SOURCE_FACE_CX = 225.0
# Width of the Haar frontal-face box on the source (detected once, 95 px; the cheek-to-cheek
# width at the eyes is about 85 px).
SOURCE_FACE_BOX_W = 95.0


@functools.lru_cache(maxsize=1)
def cutout() -> tuple[np.ndarray, np.ndarray, float]:
    """(rgb float32, alpha float32 0..1, hair top row) of the astronaut without her background."""
    from skimage import data

    rgb = data.astronaut()
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    mask = np.full(rgb.shape[:2], cv2.GC_BGD, np.uint8)
    mask[2:511, 105:370] = cv2.GC_PR_FGD
    # Seeds GrabCut cannot guess: the dark collar ring and the suit belong to the person,
    # the helmet in the corner does not.
    cv2.ellipse(mask, (210, 220), (85, 62), 0, 0, 360, int(cv2.GC_FGD), -1)
    torso = np.array([(125, 270), (300, 270), (340, 310), (340, 345), (285, 345), (280, 511), (130, 511)], np.int32)
    cv2.fillPoly(mask, [torso], int(cv2.GC_FGD))
    mask[345:512, 285:512] = cv2.GC_BGD
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, np.zeros((1, 65)), np.zeros((1, 65)), 5, cv2.GC_INIT_WITH_MASK)
    alpha = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)
    band = alpha[:, 190:260]
    hair_top = float(np.flatnonzero((band > 0.5).mean(axis=1) > 0.12)[0])
    return rgb.astype(np.float32), alpha, hair_top


@dataclass(frozen=True)
class Expected:
    head_top: float
    eye_line: float
    face_width: float
    centre_offset: float


def solid(colour=XINHUA_BLUE, size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, height = size
    return np.broadcast_to(np.array(colour, np.float32), (height, width, 3)).copy()


def vertical_gradient(top, bottom, size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    return np.broadcast_to(
        (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32), (height, width, 3)
    ).copy()


def shadowed(colour=XINHUA_BLUE, darken=0.65, side="right", size=(WIDTH, HEIGHT)) -> np.ndarray:
    """A person's shadow cast on one side of the backdrop, softened at its edge."""
    width, height = size
    canvas = solid(colour, size)
    ramp = np.clip((np.arange(width, dtype=np.float32) - width * 0.55) / (width * 0.1), 0, 1)
    if side == "left":
        ramp = ramp[::-1]
    factor = 1 - (1 - darken) * ramp
    return canvas * factor[None, :, None]


def noisy(colour=XINHUA_BLUE, sigma=18.0, size=(WIDTH, HEIGHT), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    canvas = solid(colour, size)
    return np.clip(canvas + rng.normal(0, sigma, canvas.shape[:2])[:, :, None], 0, 255)


def compose(*, scale=2.2, head_top=70.0, centre_x=None, background=None, size=(WIDTH, HEIGHT)):
    """Place the cut-out person so that her hair top lands on `head_top` and her face centre on `centre_x`."""
    width, height = size
    if background is None:
        background = solid(size=size)
    centre_x = width / 2 if centre_x is None else centre_x
    src, alpha, src_top = cutout()
    # Affine map source -> canvas: x' = scale*x + tx, y' = scale*y + ty.
    tx = centre_x - scale * SOURCE_FACE_CX
    ty = head_top - scale * src_top
    matrix = np.array([[scale, 0, tx], [0, scale, ty]], np.float32)
    person = cv2.warpAffine(src, matrix, (width, height), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    # Below the source's bottom edge the suit continues (a crop), not the backdrop.
    cover = cv2.warpAffine(alpha, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    person_rows = cv2.warpAffine(src, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    person = np.where(cover[..., None] > 0, person_rows, person)
    out = background * (1 - cover[..., None]) + person * cover[..., None]
    expected = Expected(
        head_top=head_top,
        eye_line=scale * SOURCE_EYE_Y + ty,
        face_width=scale * SOURCE_FACE_BOX_W,
        centre_offset=centre_x - width / 2,
    )
    return np.clip(out, 0, 255).astype(np.uint8), expected


def two_people(size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, height = size
    canvas = solid(size=size)
    left, _ = compose(scale=1.4, head_top=150, centre_x=width * 0.27, background=canvas, size=size)
    both, _ = compose(scale=1.4, head_top=150, centre_x=width * 0.73, background=left.astype(np.float32), size=size)
    return both


def jpeg(rgb: np.ndarray, quality: int = 92, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, **kwargs)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
