"""The background, measured in square patches along the top edge and the upper sides.

Patches that overlap the head are left out, so a head touching the top edge is reported as
a head position problem and not also as an uneven background. Each patch contributes its
median colour (robust to a stray hair) and its luminance spread (texture, noise).
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .config import CheckConfig
from .face import Box

LUMA = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class Background:
    colour: tuple[int, int, int]  # median of the patch medians
    distance: float  # from the standard's blue
    spread: float  # between the light (90th percentile) and dark (10th) patches
    noise: float  # median luminance standard deviation inside a patch
    patches: int
    palette: tuple[tuple[int, int, int], ...]  # each patch's median colour


def _patch_origins(width: int, height: int, band: int, depth: float) -> list[tuple[int, int]]:
    origins = [(x, 0) for x in range(0, width - band + 1, band)]
    bottom = int(height * depth)
    for y in range(band, bottom - band + 1, band):
        origins.append((0, y))
        origins.append((width - band, y))
    return origins


def head_region(face: Box, width: int) -> tuple[int, int, int]:
    """(x0, x1, y1): the columns hair may occupy above the chin, generously."""
    margin = int(face.w * 0.3)
    return max(face.x - margin, 0), min(face.x + face.w + margin, width), face.y + face.h


def measure_background(rgb: np.ndarray, cfg: CheckConfig, face: Box | None) -> Background | None:
    height, width = rgb.shape[:2]
    band = cfg.background_band_px
    excluded = head_region(face, width) if face else None
    medians, noises = [], []
    for x, y in _patch_origins(width, height, band, cfg.background_side_depth):
        if excluded and x < excluded[1] and x + band > excluded[0] and y < excluded[2]:
            continue
        patch = rgb[y : y + band, x : x + band].reshape(-1, 3).astype(np.float32)
        medians.append(np.median(patch, axis=0))
        noises.append(float((patch @ LUMA).std()))
    if len(medians) < 4:
        return None  # the person fills the frame; nothing trustworthy to measure
    medians_arr = np.array(medians)
    colour = np.median(medians_arr, axis=0)
    target = np.array(cfg.background_rgb, dtype=np.float32)
    spread = float(np.linalg.norm(np.percentile(medians_arr, 90, axis=0) - np.percentile(medians_arr, 10, axis=0)))
    return Background(
        colour=tuple(int(round(c)) for c in colour),
        distance=float(np.linalg.norm(colour - target)),
        spread=spread,
        noise=float(np.median(noises)),
        patches=len(medians),
        palette=tuple(tuple(int(round(c)) for c in m) for m in medians_arr),
    )


def find_head_top(rgb: np.ndarray, cfg: CheckConfig, face: Box, background: Background | None) -> int:
    """First row (from the top) where the face's column band stops looking like background.

    The Haar face box starts near the eyebrows, so the hair top has to be found in the pixels.
    A pixel is background when it is close to any measured background patch (so a gradient or
    a shadow still counts as background) or to the background at its own row's edges.
    """
    height, width = rgb.shape[:2]
    x0 = int(face.x + face.w * 0.15)
    x1 = int(face.x + face.w * 0.85)
    bottom = min(face.y + face.h // 2, height)
    if bottom <= 2 or x1 <= x0:
        return 0
    # A light blur first, so JPEG noise or a grainy backdrop is not taken for hair.
    region = cv2.blur(rgb[:bottom], (5, 5)).astype(np.float32)
    band = max(cfg.background_band_px // 2, 4)
    sides = np.concatenate([region[:, :band], region[:, width - band :]], axis=1)
    row_edges = np.median(sides, axis=1)  # (rows, 3): each row's own edge colour
    palette = _distinct(background.palette) if background is not None else np.empty((0, 3), np.float32)
    limit = float(cfg.head_pixel_distance) ** 2
    previous_hit = False
    # Scanned in slices from the top: the hair is usually found within the first hundred rows.
    for start in range(0, bottom, 32):
        pixels = region[start : start + 32, x0:x1]
        nearest = ((pixels - row_edges[start : start + 32, None, :]) ** 2).sum(axis=2)
        for colour in palette:
            np.minimum(nearest, ((pixels - colour) ** 2).sum(axis=2), out=nearest)
        hits = (nearest > limit).mean(axis=1) >= cfg.head_row_fraction
        for offset, hit in enumerate(hits):
            # Two rows in a row, so one stray row does not count as hair.
            if hit and previous_hit:
                return start + offset - 1
            previous_hit = bool(hit)
    return face.y


def _distinct(colours, step: int = 6) -> np.ndarray:
    """The palette without near-duplicates: a plain backdrop has one colour, not forty."""
    seen: dict[tuple, tuple] = {}
    for colour in colours:
        seen.setdefault(tuple(c // step for c in colour), colour)
    return np.array(list(seen.values()), np.float32).reshape(-1, 3)
