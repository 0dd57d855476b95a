"""The person separated from the backdrop, and the backdrop measured wherever it is visible.

The backdrop is meant to be one even colour, so it is grown from the frame's top and upper side
edges: a flood fill over a lightly blurred half-size copy that follows gentle changes (a gradient,
a soft shadow) but stops at a sharp change of colour or at texture (hair, even hair of nearly the
backdrop's colour, is textured; a backdrop is not). What is not reached and is joined to the face
is the person; everything else is visible backdrop, however large the face, and is measured for
colour, gradient, shadow and texture.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .config import CheckConfig
from .face import Face

SCALE = 0.5  # the separation runs on a half-size copy: four times fewer pixels, ±1 px at full size
SEED_STEP = 6  # px between flood-fill seeds along the edges (half size)
SEED_MAX_LAB = 30  # Lab units (8-bit scale) a seed may differ from the seeds' median colour
CELL = 16  # px, half size: the backdrop is compared cell by cell (32 px at full size)
TEXTURE_REACH = 2  # px, half size: how far past an edge the 5x5 texture window sees it


@dataclass(frozen=True)
class Separation:
    small: np.ndarray  # the half-size RGB copy
    luma: np.ndarray  # its luminance, float32
    texture: np.ndarray  # local luminance standard deviation (5x5), float32
    person: np.ndarray  # bool, half size
    head_top: int | None  # full-size px from the top edge; None when no hair was found above the brows


@dataclass(frozen=True)
class Backdrop:
    colour: tuple[int, int, int]  # median RGB of the visible backdrop
    spread: float  # luminance between the light (95th percentile) and dark (5th) cells
    kind: str  # "" when even; "gradient" or "shadow" when the spread is too large
    direction: str  # for a gradient: "vertical" or "horizontal"
    shadow_side: str  # for a shadow: "left" or "right" of the face
    shadow_depth: float  # how much darker than the backdrop's median its darkest cells are
    noise: float  # median texture of the backdrop's cells
    cells: int
    shadow_where: str = ""  # for a shadow: "head" (beside the head) or "shoulders" (below the chin)


def half_size(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The half-size RGB copy the separation runs on, and its luminance (uint8), which the face
    detector also reads: made once per check."""
    height, width = rgb.shape[:2]
    small = cv2.resize(rgb, (round(width * SCALE), round(height * SCALE)), interpolation=cv2.INTER_AREA)
    return small, cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)


def _luma_texture(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Luminance as float32 and its local standard deviation over 5x5, from box filters (in C)."""
    mean = cv2.boxFilter(gray, cv2.CV_32F, (5, 5))
    mean_of_squares = cv2.sqrBoxFilter(gray, cv2.CV_32F, (5, 5))
    texture = cv2.sqrt(cv2.max(mean_of_squares - mean * mean, 0))
    return gray.astype(np.float32), texture


def separate(small: np.ndarray, gray: np.ndarray, face: Face, cfg: CheckConfig) -> Separation:
    """`small`, `gray`: the half-size copy and its luminance (half_size)."""
    luma, texture = _luma_texture(gray)
    # Room for hair 0.9 face widths either side of the face's centre (long or full hair reaches
    # about 0.75): wider, a face 220 px across would leave no backdrop beside the head to measure.
    envelope = _envelope(small.shape[:2], face, 0.9, 1.4)
    filled, smooth_below = _grow_backdrop(small, texture, face, _envelope(small.shape[:2], face, 0.85, 1.3), cfg)
    filled |= _shadowed_backdrop(small, texture, filled, smooth_below, face)
    person = _person(filled, face, envelope)
    return Separation(small, luma, texture, person, _head_top(person, face))


# A shadow on the backdrop is the backdrop's own colour, darker: the same chromaticity (each RGB
# channel scaled alike) at 35-97% of its brightness, and as smooth as the backdrop.
SHADOW_CHROMA = 0.03
SHADOW_PIXEL_CHROMA = 0.045
SHADOW_RAMP_TEXTURE = 3.0  # times the fill's texture barrier
SHADOW_BRIGHTNESS = (0.35, 0.97)


def _shadowed_backdrop(small, texture, filled: np.ndarray, smooth_below: float, face: Face) -> np.ndarray:
    """Darker, even-coloured parts of the backdrop that the flood fill could not enter (a hard
    shadow's edge stops it) and that touch the backdrop it reached: backdrop in shadow, not person.

    Looked for beside the head and neck only (down to a quarter face width below the chin): lower
    down a blue shirt could be the backdrop's colour, darker. `smooth_below`: the fill's texture
    barrier (a shadow is as smooth as the backdrop)."""
    h, w = filled.shape
    out = np.zeros((h, w), bool)
    rows = min(round((face.chin_y + 0.25 * face.width) * SCALE), h)
    if rows <= 0:
        return out
    reached = np.ascontiguousarray(filled[:rows]).view(np.uint8)
    # Not the face, the forehead or the neck (smooth skin): a shadow beside the head lies further
    # out than half a face width from its centre.
    core = np.zeros((rows, w), np.uint8)
    centre = (round(face.centre_x * SCALE), round(face.eye_line * SCALE))
    cv2.ellipse(core, centre, (round(face.width * SCALE * 0.5), round(face.width * SCALE)), 0, 0, 360, 1, -1)
    cv2.fillConvexPoly(core, (face.hull() * SCALE).astype(np.int32), 1)
    # All on every other pixel (a shadow is broad; four times fewer pixels).
    reached_coarse = np.ascontiguousarray(reached[::2, ::2])
    part = np.ascontiguousarray(small[:rows:2, ::2])
    reference = np.array(cv2.mean(part, mask=reached_coarse)[:3]) + 1.0
    # Only what has the shadow's colour, pixel by pixel: a shadow falling on the backdrop beside a
    # dark cap or dark hair meets it without a textured edge, and as one region with them its mean
    # colour is the cap's, not the backdrop's. Its colour also lets the ramp of a soft shadow's
    # edge through (a brightness step spread over a few pixels, textured to the fill), which
    # otherwise parts the shadow from the backdrop the fill reached.
    ramp = texture[:rows:2, ::2] <= SHADOW_RAMP_TEXTURE * smooth_below
    coarse = ~reached_coarse.view(bool) & ramp & ~core[::2, ::2].view(bool) & _shadow_coloured(part, reference)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(coarse.view(np.uint8), connectivity=8)
    # Larger than a hair's fringe, and touching the reached backdrop. The edge of a hard shadow is
    # textured (a step in brightness) and stops the fill a few pixels before it, so the shadow is
    # looked for across it: within 8 px (half size) of the reached backdrop.
    large = stats[:, cv2.CC_STAT_AREA] >= (0.04 * face.width * SCALE) ** 2
    large[0] = False
    if not large.any():
        return out
    near = cv2.dilate(reached_coarse, np.ones((9, 9), np.uint8)).view(bool)
    touching = [label for label in np.unique(labels[near & coarse]) if large[label]]
    if not touching:
        return out
    keep = np.zeros(count, np.uint8)
    for label in touching:
        colour = np.array(cv2.mean(part, mask=(labels == label).view(np.uint8))[:3]) + 1.0
        keep[label] = _shadow_like(colour, reference, SHADOW_CHROMA)
    if keep.any():
        back = cv2.resize(keep[labels], (w, rows), interpolation=cv2.INTER_NEAREST)
        out[:rows] = back.view(bool) & ~reached.view(bool)
    return out


def _shadow_coloured(part: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Pixels of the backdrop's chromaticity at a shadow's brightness, read on a 5x5 blur (JPEG's
    noise moves a single pixel's chromaticity more than a region's); looser than the region's own
    test (SHADOW_CHROMA), which still decides."""
    colour = cv2.GaussianBlur(part, (5, 5), 0).astype(np.float32) + 1.0
    return _shadow_like(colour, reference, SHADOW_PIXEL_CHROMA)


def _shadow_like(colour: np.ndarray, reference: np.ndarray, chroma_limit: float):
    """Whether RGB colours (last axis; each channel +1) are `reference`'s chromaticity, within
    `chroma_limit`, at a shadow's brightness (SHADOW_BRIGHTNESS): one pixel's or a region's mean."""
    total = colour.sum(axis=-1)
    chroma_off = np.abs(colour / total[..., None] - reference / reference.sum()).max(axis=-1)
    brightness = total / reference.sum()
    low, high = SHADOW_BRIGHTNESS
    return (chroma_off <= chroma_limit) & (brightness >= low) & (brightness <= high)


def _seeds(envelope: np.ndarray, face: Face) -> list[tuple[int, int]]:
    """Points along the top and upper side edges, outside where the head may be (hair touching the top)."""
    h, w = envelope.shape
    bottom = min(int(face.chin_y * SCALE), h - 2)
    seeds = [(x, 1) for x in range(1, w - 1, SEED_STEP)]
    for y in range(1 + SEED_STEP, bottom, SEED_STEP):
        seeds += [(1, y), (w - 2, y)]
    return [(x, y) for x, y in seeds if not envelope[y, x]]


def _grow_backdrop(small, texture, face: Face, envelope: np.ndarray, cfg: CheckConfig) -> tuple[np.ndarray, float]:
    """The backdrop the flood fill reaches, and the texture above which it stops."""
    h, w = small.shape[:2]
    seeds = _seeds(envelope, face)
    if not seeds:
        return np.zeros((h, w), bool), 0.0
    xs, ys = np.array(seeds).T
    seed_texture = float(np.median(texture[ys, xs]))
    # Texture well above the backdrop's own (its noise, its weave) is not backdrop.
    smooth_below = max(cfg.separation_texture_floor, cfg.separation_texture_factor * seed_texture)
    barrier = texture > smooth_below
    mask = np.zeros((h + 2, w + 2), np.uint8)
    mask[1:-1, 1:-1] = barrier
    cv2.fillConvexPoly(mask[1:-1, 1:-1], (face.hull() * SCALE).astype(np.int32), 1)  # the face is never backdrop
    lab = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2LAB), (5, 5), 0)
    # A seed far from the seeds' median colour sits on the person (a shoulder reaching the side
    # edge above the chin), not on the backdrop: a fill from it would take the clothes for backdrop.
    colours = lab[ys, xs].astype(np.float32)
    outlier = np.abs(colours - np.median(colours, axis=0)).max(axis=1) > SEED_MAX_LAB
    seeds = [seed for seed, bad in zip(seeds, outlier, strict=True) if not bad]
    step = (cfg.separation_step,) * 3
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | (2 << 8)
    for x, y in seeds:
        if mask[y + 1, x + 1] == 0:
            cv2.floodFill(lab, mask, (x, y), 0, step, step, flags)
    return mask[1:-1, 1:-1] == 2, smooth_below


def _envelope(shape, face: Face, across: float, down: float) -> np.ndarray:
    """Where the person may be: an ellipse around the head (room for hair; semi-axes in face widths)
    and all below the chin.

    Anything outside is backdrop whatever it looks like, so a shadow or an object beside the head
    is measured as part of the backdrop, not taken for hair. A tighter one keeps the flood fill's
    seeds off hair that touches the frame's edges.
    """
    h, w = shape
    fw = face.width * SCALE
    envelope = np.zeros((h, w), np.uint8)
    centre = (round(face.centre_x * SCALE), round(face.eye_line * SCALE))
    cv2.ellipse(envelope, centre, (round(fw * across), round(fw * down)), 0, 0, 360, 1, -1)
    envelope[max(round(face.chin_y * SCALE), 0) :] = 1
    return envelope.view(bool)


def _person(filled: np.ndarray, face: Face, envelope: np.ndarray) -> np.ndarray:
    shape = envelope.shape
    candidate = (~filled & envelope).astype(np.uint8)
    _, labels = cv2.connectedComponents(candidate, connectivity=8)
    hull = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(hull, (face.hull() * SCALE).astype(np.int32), 1)
    touching = np.unique(labels[hull.view(bool)])
    touching = touching[touching != 0]
    if len(touching) == 1:
        return labels == touching[0]  # the usual case: one comparison, not a lookup per pixel
    return np.isin(labels, touching)


def _head_top(person: np.ndarray, face: Face) -> int | None:
    h, w = person.shape
    half_band = face.width * SCALE * 0.35
    x0 = max(int(face.centre_x * SCALE - half_band), 0)
    x1 = min(int(face.centre_x * SCALE + half_band) + 1, w)
    if x1 <= x0:
        return None  # the face's centre is outside the frame
    rows = np.flatnonzero(np.count_nonzero(person[:, x0:x1], axis=1) / (x1 - x0) >= 0.3)
    if rows.size == 0:
        return None
    # The texture that stops the fill is read over 5x5: it rises two pixels (half size) before the
    # hair does, so the mask's top sits that far above the hair's (measured 4-7 px on the corpus).
    top = 0 if rows[0] == 0 else int((rows[0] + TEXTURE_REACH) / SCALE)
    # Nothing above the eyebrows: the hair was not told apart from the backdrop.
    if top > face.brow_y - face.width * 0.1:
        return None
    return top


def measure_backdrop(sep: Separation, cfg: CheckConfig, face: Face | None) -> Backdrop | None:
    """Colour and evenness of everything that is not the person (the whole frame when there is no face)."""
    person = sep.person
    if person.any():
        # The hair's fringe is neither person nor backdrop: leave it out.
        person = cv2.dilate(person.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    visible = ~person
    if visible.mean() < cfg.backdrop_min_fraction:
        return None  # the person fills the frame; nothing trustworthy to measure
    if face is not None:
        # Far darker than a shadow makes the backdrop (SHADOW_BRIGHTNESS) is not backdrop: black
        # clothes or hair the fill ran into where they meet a dark backdrop by degrees.
        # Their fringe, as the person's, is left out too.
        reference = float(np.median(sep.luma[::2, ::2][visible[::2, ::2]]))
        too_dark = (sep.luma < SHADOW_BRIGHTNESS[0] * reference).view(np.uint8)
        if too_dark.any():
            visible = visible & ~cv2.dilate(too_dark, np.ones((7, 7), np.uint8)).view(bool)
    colour = _median_rgb(sep.small, visible)
    cells = _cells(sep, visible)
    if cells is None:
        return None
    ys, xs, luma, texture = cells
    low, high = np.percentile(luma, [5, 95])
    spread = float(high - low)
    kind, direction, side, depth, where = "", "", "", 0.0, ""
    if spread > cfg.background_max_spread:
        kind, direction, side, depth = _shape_of_unevenness(ys, xs, luma, spread, face)
    if face is not None and kind != "gradient":
        # Where a shadow falls: on the backdrop right beside the head and shoulders, which the
        # cells (mostly far from the person) may not see when it is narrow.
        band = _beside_person(sep, visible, face, float(np.median(luma)))
        if band is not None:
            band_side, band_depth, where = band
            if band_depth > cfg.background_max_spread and band_depth >= depth:
                kind, side, depth = "shadow", band_side, band_depth
            elif kind == "shadow":
                where = where if band_side == side else ""
    return Backdrop(
        colour=tuple(int(round(c)) for c in colour),
        spread=spread,
        kind=kind,
        direction=direction,
        shadow_side=side,
        shadow_depth=depth,
        noise=float(np.median(texture)),
        cells=len(luma),
        shadow_where=where if kind == "shadow" else "",
    )


# The least area of a shadow worth naming, in square face widths (a patch a third of a face width
# across): a shadow falling mostly behind a cap or wide hair shows only a sliver of the band
# beside the head. Half of it and the hair's fringe on a white backdrop would pass for one.
SHADOW_AREA = 0.1


def _beside_person(sep: Separation, visible: np.ndarray, face: Face, reference: float):
    """(side, depth, where) of the darker side of the backdrop within half a face width of the
    person, from the top of the frame down to one face width below the chin; None when too little
    of it is visible. depth: how much darker its darker fifth (or darkest SHADOW_AREA) is than
    `reference` (the backdrop's median luminance). Read on every fourth pixel of the half-size
    copy: a shadow is broad."""
    step = 4
    scale = SCALE / step
    h, w = visible.shape
    rows = min(int((face.chin_y + face.width) * SCALE), h)
    if rows <= 0:
        return None
    near = np.ascontiguousarray(visible[:rows:step, ::step])
    luma = sep.luma[:rows:step, ::step]
    # Distance of each backdrop pixel to the person, in linear time (a dilation by a disc half a
    # face width across would cost more than the rest of the check).
    distance = cv2.distanceTransform(near.view(np.uint8), cv2.DIST_L2, 3)
    band = near & (distance <= face.width * scale * 0.5)
    least = (0.1 * face.width * scale) ** 2
    centre = min(max(int(face.centre_x * scale), 0), near.shape[1])
    best = None
    for side, columns in (("left", slice(0, centre)), ("right", slice(centre, near.shape[1]))):
        part = band[:, columns]
        if np.count_nonzero(part) < least:
            continue
        values = luma[:, columns][part]
        # Its darker fifth, or its darkest SHADOW_AREA where a fifth of the band is larger.
        fraction = min(0.2, SHADOW_AREA * (face.width * scale) ** 2 / values.size)
        fifth, dark = (float(v) for v in np.percentile(values, [20, 100 * fraction]))
        depth = reference - dark
        if best is None or depth > best[1]:
            ys = np.nonzero(part)[0][values <= fifth]
            # A shadow cast by the head runs down beside the neck: it is the head's when its upper
            # part is above the chin.
            where = "head" if float(np.percentile(ys, 25)) / scale < face.chin_y else "shoulders"
            best = (side, depth, where)
    return best


def _median_rgb(small: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Per-channel median of the visible pixels from their histograms (cv2.calcHist reads the
    mask in C: the visible pixels are never copied out)."""
    mask = visible.view(np.uint8)
    half = np.count_nonzero(visible) / 2
    return np.array(
        [np.searchsorted(np.cumsum(cv2.calcHist([small], [c], mask, [256], [0, 256])), half) for c in range(3)]
    )


def _cells(sep: Separation, visible: np.ndarray):
    """Per 16x16 cell mostly made of backdrop: its centre, mean luminance and mean texture."""
    h, w = visible.shape
    rows, cols = h // CELL, w // CELL
    crop = (slice(0, rows * CELL), slice(0, cols * CELL))

    def per_cell(values):
        # An area resize by a whole factor gives each cell's mean, in C.
        return cv2.resize(values[crop], (cols, rows), interpolation=cv2.INTER_AREA)

    weight = visible.astype(np.float32)
    share = per_cell(weight)  # of the cell's pixels that are backdrop
    usable = share >= 0.6
    if usable.sum() < 4:
        return None
    luma = per_cell(sep.luma * weight)[usable] / share[usable]
    texture = per_cell(sep.texture * weight)[usable] / share[usable]
    ys, xs = np.nonzero(usable)
    return (ys + 0.5) * CELL / SCALE, (xs + 0.5) * CELL / SCALE, luma, texture


def _shape_of_unevenness(ys, xs, luma, spread: float, face: Face | None):
    """A gradient is explained by a plane over the frame; a shadow is a dark patch the plane leaves."""
    design = np.column_stack([np.ones_like(xs), xs, ys])
    coef, *_ = np.linalg.lstsq(design, luma, rcond=None)
    residual = luma - design @ coef
    low, high = np.percentile(residual, [5, 95])
    median = float(np.median(luma))
    if high - low <= 0.5 * spread:
        vertical = abs(coef[2]) * np.ptp(ys) >= abs(coef[1]) * np.ptp(xs)
        return "gradient", "vertical" if vertical else "horizontal", "", 0.0
    dark = luma <= np.percentile(luma, 10)
    centre = face.centre_x if face is not None else float(np.median(xs))
    side = "left" if float(np.mean(xs[dark])) < centre else "right"
    return "shadow", "", side, median - float(np.mean(luma[dark]))


def whole_frame(small: np.ndarray, gray: np.ndarray) -> Separation:
    """No face to separate: the whole frame is measured as backdrop."""
    luma, texture = _luma_texture(gray)
    return Separation(small, luma, texture, np.zeros(luma.shape, bool), None)
