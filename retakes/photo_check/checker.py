"""One photo against the standard: each finding carries its code, the figure and the allowed range."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .background import Backdrop, Separation, half_size, measure_backdrop, separate, whole_frame
from .cheeks import on_the_ear
from .colours import colour_family, nearest_allowed
from .config import DEFAULT_BACKGROUNDS, CheckConfig, load_config
from .decode import decode
from .face import Face, find_faces, refitted
from .report import ESTIMATED, MEASURED, Finding, PhotoReport

# Where the top of the head is, in chin-to-eye distances above the eyes, when the hair could not be
# told apart from the backdrop (adult heads: the eyes are about halfway between the chin and the crown).
HEAD_ABOVE_EYES = 1.05


def check_photo_file(path: str | Path, cfg: CheckConfig | None = None, *, backgrounds=None) -> PhotoReport:
    cfg = cfg or load_config()
    path = Path(path)
    size = path.stat().st_size
    if size > cfg.upload_max_bytes:
        # Not read at all: the check must stay cheap whatever it is pointed at.
        return PhotoReport(findings=[_file_size_finding(size, cfg)])
    return check_photo(path.read_bytes(), cfg, backgrounds=backgrounds)


def check_photo(data: bytes, cfg: CheckConfig | None = None, *, backgrounds=None) -> PhotoReport:
    """`backgrounds`: the backdrop colours the campaign allows (names in cfg.background_colours)."""
    cfg = cfg or load_config()
    backgrounds = tuple(backgrounds or DEFAULT_BACKGROUNDS)
    decoded = decode(data, cfg)
    report = PhotoReport(
        findings=list(decoded.findings),
        decoded=decoded.rgb is not None,
        format=decoded.format,
        width=decoded.width,
        height=decoded.height,
    )
    if decoded.rgb is None:
        return report
    report.measurements["bytes"] = len(data)
    if not cfg.min_bytes <= len(data) <= cfg.max_bytes:
        report.findings.append(_file_size_finding(len(data), cfg))
    rgb = _at_standard_size(decoded, cfg, report)
    if rgb is not None:
        report.findings.extend(_check_pixels(rgb, cfg, backgrounds, report.measurements))
    return report


def _file_size_finding(size: int, cfg: CheckConfig) -> Finding:
    kind = "small" if size < cfg.min_bytes else "large"
    return Finding("file_size", kind=kind, measured=size, allowed=[cfg.min_bytes, cfg.max_bytes])


def _at_standard_size(decoded, cfg: CheckConfig, report: PhotoReport) -> np.ndarray | None:
    """The pixels at 480x640: as they are, scaled when only the resolution differs, None when the shape does."""
    rgb = decoded.rgb
    if (decoded.width, decoded.height) == (cfg.width, cfg.height):
        return np.ascontiguousarray(rgb)
    ratio = decoded.width / decoded.height
    same_shape = abs(ratio - cfg.width / cfg.height) <= cfg.aspect_tolerance * cfg.width / cfg.height
    report.findings.append(
        Finding(
            "dimensions",
            kind="scaled" if same_shape else "wrong_shape",
            measured=[decoded.width, decoded.height],
            allowed=[cfg.width, cfg.height],
        )
    )
    if not same_shape:
        return None
    return cv2.resize(rgb, (cfg.width, cfg.height), interpolation=cv2.INTER_AREA)


def _check_pixels(rgb: np.ndarray, cfg: CheckConfig, backgrounds: tuple, measurements: dict) -> list[Finding]:
    small, small_gray = half_size(rgb)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    faces = find_faces(gray, small_gray, cfg)
    measurements["faces"] = len(faces)
    if len(faces) > 1:
        # One person only: the backdrop and the framing are judged once the photo shows one.
        return [Finding("multiple_faces", measured=len(faces), allowed=1)]
    face = faces[0] if faces else None
    separation = separate(small, small_gray, face, cfg) if face else whole_frame(small, small_gray)
    if face is not None and on_the_ear(face, separation.person):
        refit = refitted(face, gray)
        if refit is not face:
            face, separation = refit, separate(small, small_gray, refit, cfg)
    findings = _backdrop_findings(measure_backdrop(separation, cfg, face), cfg, backgrounds, measurements)
    if face is None:
        return [*findings, Finding("no_face", measured=0, allowed=1)]
    return findings + _geometry_findings(_geometry(face, separation, rgb.shape[1]), cfg, measurements)


# --- the backdrop -----------------------------------------------------------------------


def _backdrop_findings(backdrop: Backdrop | None, cfg: CheckConfig, backgrounds, measurements) -> list[Finding]:
    if backdrop is None:
        return []
    nearest, distance = nearest_allowed(backdrop.colour, backgrounds, cfg.background_colours)
    family = colour_family(backdrop.colour)
    measurements.update(
        background_rgb=list(backdrop.colour),
        background_family=family,
        background_distance=round(distance, 1),
        background_spread=round(backdrop.spread, 1),
        background_noise=round(backdrop.noise, 1),
        background_kind=backdrop.kind,
        background_cells=backdrop.cells,
    )
    findings = []
    if distance > cfg.background_max_distance:
        findings.append(_colour_finding(backdrop, family, nearest, distance, cfg, backgrounds))
    unevenness = _unevenness_finding(backdrop, cfg)
    if unevenness:
        findings.append(unevenness)
    return findings


def _colour_finding(backdrop: Backdrop, family: str, nearest: str, distance: float, cfg, backgrounds) -> Finding:
    reference = cfg.background_colours[nearest]
    darker = sum(backdrop.colour) < sum(reference)
    return Finding(
        "background_color",
        kind="shade" if family in backgrounds else "other",
        measured=list(backdrop.colour),
        allowed=list(backgrounds),
        data={
            "name": family,
            "nearest": nearest,
            "reference": list(reference),
            "distance": round(distance),
            "max_distance": cfg.background_max_distance,
            "darker": darker,
        },
    )


def _unevenness_finding(backdrop: Backdrop, cfg: CheckConfig) -> Finding | None:
    if backdrop.kind == "gradient":
        return Finding(
            "background_uneven",
            kind="gradient",
            measured=round(backdrop.spread),
            allowed=cfg.background_max_spread,
            data={"direction": backdrop.direction},
        )
    if backdrop.kind == "shadow":
        return Finding(
            "background_uneven",
            kind="shadow",
            measured=round(max(backdrop.shadow_depth, backdrop.spread)),
            allowed=cfg.background_max_spread,
            data={"side": backdrop.shadow_side, "where": backdrop.shadow_where},
        )
    if backdrop.noise > cfg.background_max_noise:
        return Finding(
            "background_uneven", kind="texture", measured=round(backdrop.noise, 1), allowed=cfg.background_max_noise
        )
    return None


# --- the face's position and size ------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    head_top: int
    head_top_obtained: str
    eye_line: int
    face_width: int
    centre_offset: int


def _geometry(face: Face, separation: Separation, width: int) -> Geometry:
    head_top, obtained = separation.head_top, MEASURED
    if head_top is None:
        head_top = face.eye_line - HEAD_ABOVE_EYES * (face.chin_y - face.eye_line)
        obtained = ESTIMATED
    return Geometry(
        head_top=max(round(head_top), 0),
        head_top_obtained=obtained,
        eye_line=round(face.eye_line),
        face_width=round(face.width),
        centre_offset=round(face.centre_x - width / 2),
    )


def _geometry_findings(geometry: Geometry, cfg: CheckConfig, measurements: dict) -> list[Finding]:
    measurements.update(
        head_top=geometry.head_top,
        head_top_obtained=geometry.head_top_obtained,
        eye_line=geometry.eye_line,
        eye_line_obtained=MEASURED,
        face_width=geometry.face_width,
        face_width_obtained=MEASURED,
        centre_offset=geometry.centre_offset,
    )
    found = [
        _range_finding("head_top", geometry.head_top, cfg.head_top_px, ("high", "low"), geometry.head_top_obtained),
        _range_finding("eye_line", geometry.eye_line, cfg.eye_line_px, ("high", "low")),
        _range_finding("face_width", geometry.face_width, cfg.face_width_px, ("small", "large")),
        _centre_finding(geometry.centre_offset, cfg),
    ]
    return [finding for finding in found if finding is not None]


def _range_finding(code: str, value: int, bounds, kinds: tuple[str, str], obtained: str = MEASURED):
    low, high = bounds
    if low <= value <= high:
        return None
    kind = kinds[0] if value < low else kinds[1]
    return Finding(code, kind=kind, measured=value, allowed=[low, high], obtained=obtained)


def _centre_finding(offset: int, cfg: CheckConfig) -> Finding | None:
    if abs(offset) <= cfg.centre_max_offset_px:
        return None
    return Finding(
        "off_centre", kind="left" if offset < 0 else "right", measured=abs(offset), allowed=cfg.centre_max_offset_px
    )
