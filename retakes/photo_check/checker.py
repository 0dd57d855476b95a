"""One photo against the standard: every finding says what is wrong, the figure, and the allowed range."""

from pathlib import Path

import cv2
import numpy as np
from django.utils.translation import gettext as _

from .background import find_head_top, measure_background
from .config import CheckConfig, load_config
from .decode import decode
from .face import Box, find_eye_line, find_faces
from .report import Finding, PhotoReport


def _range(bounds) -> str:
    return f"{bounds[0]}–{bounds[1]} px"


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB"


def check_photo_file(path: str | Path, cfg: CheckConfig | None = None) -> PhotoReport:
    cfg = cfg or load_config()
    path = Path(path)
    size = path.stat().st_size
    if size > cfg.upload_max_bytes:
        # Not read at all: the check must stay cheap whatever it is pointed at.
        return PhotoReport(findings=[_file_size_finding(size, cfg)])
    return check_photo(path.read_bytes(), cfg)


def check_photo(data: bytes, cfg: CheckConfig | None = None) -> PhotoReport:
    cfg = cfg or load_config()
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
    size = len(data)
    report.measurements["bytes"] = size
    if not cfg.min_bytes <= size <= cfg.max_bytes:
        report.findings.append(_file_size_finding(size, cfg))

    rgb = decoded.rgb
    if (decoded.width, decoded.height) != (cfg.width, cfg.height):
        ratio = decoded.width / decoded.height
        same_shape = abs(ratio - cfg.width / cfg.height) <= cfg.aspect_tolerance * cfg.width / cfg.height
        if same_shape:
            note = _("其余各项按缩放到 %(w)s×%(h)s 后测量") % {"w": cfg.width, "h": cfg.height}
        else:
            note = _("不是宽 3 : 高 4 的竖版照片，未检查人像位置和背景")
        report.findings.append(
            Finding(
                "dimensions",
                _("尺寸不对：宽 %(w)s × 高 %(h)s 像素，应为宽 %(sw)s × 高 %(sh)s 像素（%(note)s）")
                % {"w": decoded.width, "h": decoded.height, "sw": cfg.width, "sh": cfg.height, "note": note},
                measured=f"{decoded.width}×{decoded.height} px",
                allowed=f"{cfg.width}×{cfg.height} px",
            )
        )
        if not same_shape:
            return report
        rgb = cv2.resize(rgb, (cfg.width, cfg.height), interpolation=cv2.INTER_AREA)

    report.findings.extend(_check_pixels(np.ascontiguousarray(rgb), cfg, report.measurements))
    return report


def _file_size_finding(size: int, cfg: CheckConfig) -> Finding:
    allowed = f"{_size_label(cfg.min_bytes)}–{_size_label(cfg.max_bytes)}"
    if size < cfg.min_bytes:
        message = _("文件太小：%(size)s，应为 %(allowed)s（压缩过度，照片不够清晰）")
    else:
        message = _("文件太大：%(size)s，应为 %(allowed)s，请降低 JPEG 质量后重新保存")
    return Finding("file_size", message % {"size": _size_label(size), "allowed": allowed}, _size_label(size), allowed)


def _check_pixels(rgb: np.ndarray, cfg: CheckConfig, measurements: dict) -> list[Finding]:
    findings: list[Finding] = []
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    faces = find_faces(gray, cfg)
    measurements["faces"] = len(faces)
    face = faces[0] if len(faces) == 1 else None

    background = measure_background(rgb, cfg, faces[0] if faces else None)
    if background is not None:
        measurements.update(
            background_rgb=list(background.colour),
            background_distance=round(background.distance, 1),
            background_spread=round(background.spread, 1),
            background_noise=round(background.noise, 1),
        )
        findings.extend(_background_findings(background, cfg))

    if not faces:
        findings.append(
            Finding(
                "no_face",
                _("没有检测到人脸：请使用本人正面、免冠、五官清晰、光线均匀的半身照"),
                measured=_("0 张人脸"),
                allowed=_("1 张人脸"),
            )
        )
        return findings
    if face is None:
        findings.append(
            Finding(
                "multiple_faces",
                _("检测到 %(n)s 张人脸：照片中只能有本人一人") % {"n": len(faces)},
                measured=_("%(n)s 张人脸") % {"n": len(faces)},
                allowed=_("1 张人脸"),
            )
        )
        return findings
    findings.extend(_geometry_findings(rgb, gray, face, background, cfg, measurements))
    return findings


def _background_findings(background, cfg: CheckConfig) -> list[Finding]:
    findings = []
    r, g, b = background.colour
    sr, sg, sb = cfg.background_rgb
    if background.distance > cfg.background_max_distance:
        findings.append(
            Finding(
                "background_color",
                _(
                    "背景颜色不是标准蓝色：测得 RGB(%(r)s,%(g)s,%(b)s)，与标准蓝 RGB(%(sr)s,%(sg)s,%(sb)s) "
                    "相差 %(d)s，应不超过 %(max)s"
                )
                % {
                    "r": r,
                    "g": g,
                    "b": b,
                    "sr": sr,
                    "sg": sg,
                    "sb": sb,
                    "d": round(background.distance),
                    "max": cfg.background_max_distance,
                },
                measured=f"RGB({r},{g},{b})，{_('相差')} {round(background.distance)}",
                allowed=f"RGB({sr},{sg},{sb}) ±{cfg.background_max_distance}",
            )
        )
    if background.spread > cfg.background_max_spread:
        findings.append(
            Finding(
                "background_uneven",
                _("背景深浅不均（有渐变或阴影）：背景最亮处与最暗处相差 %(v)s，应不超过 %(max)s")
                % {"v": round(background.spread), "max": cfg.background_max_spread},
                measured=_("相差 %(v)s") % {"v": round(background.spread)},
                allowed=_("不超过 %(max)s") % {"max": cfg.background_max_spread},
            )
        )
    elif background.noise > cfg.background_max_noise:
        findings.append(
            Finding(
                "background_uneven",
                _("背景有花纹、杂色或噪点：背景亮度波动 %(v)s，应不超过 %(max)s，请使用纯色背景")
                % {"v": f"{background.noise:.1f}", "max": cfg.background_max_noise},
                measured=_("波动 %(v)s") % {"v": f"{background.noise:.1f}"},
                allowed=_("不超过 %(max)s") % {"max": cfg.background_max_noise},
            )
        )
    return findings


def _geometry_findings(rgb, gray, face: Box, background, cfg: CheckConfig, measurements: dict) -> list[Finding]:
    findings = []
    width = rgb.shape[1]

    head_top = find_head_top(rgb, cfg, face, background)
    eye_line = find_eye_line(gray, face)
    estimated = eye_line is None
    if estimated:
        eye_line = face.y + face.h * cfg.eye_line_in_face_box
    eye_line = round(eye_line)
    offset = round(face.centre_x - width / 2)
    measurements.update(
        head_top=head_top, eye_line=eye_line, eye_line_estimated=estimated, face_width=face.w, centre_offset=offset
    )

    low, high = cfg.head_top_px
    if head_top < low:
        findings.append(
            Finding(
                "head_top",
                _("头顶离上边缘太近：%(v)s px，应为 %(allowed)s（头顶上方需留出约六分之一的空白）")
                % {"v": head_top, "allowed": _range(cfg.head_top_px)},
                measured=f"{head_top} px",
                allowed=_range(cfg.head_top_px),
            )
        )
    elif head_top > high:
        findings.append(
            Finding(
                "head_top",
                _("头顶离上边缘太远：%(v)s px，应为 %(allowed)s（人像偏低，请上移人像或裁掉上方空白）")
                % {"v": head_top, "allowed": _range(cfg.head_top_px)},
                measured=f"{head_top} px",
                allowed=_range(cfg.head_top_px),
            )
        )

    low, high = cfg.eye_line_px
    if not low <= eye_line <= high:
        where = _("偏高") if eye_line < low else _("偏低")
        measured = f"{eye_line} px" + (_("（未找到双眼，按脸部位置估计）") if estimated else "")
        findings.append(
            Finding(
                "eye_line",
                _("眼睛位置%(where)s：距上边缘 %(v)s，应为 %(allowed)s")
                % {"where": where, "v": measured, "allowed": _range(cfg.eye_line_px)},
                measured=measured,
                allowed=_range(cfg.eye_line_px),
            )
        )

    low, high = cfg.face_width_px
    if face.w < low:
        findings.append(
            Finding(
                "face_width",
                _("头像太小：脸宽 %(v)s px，应为 %(allowed)s，请让人像占画面更大比例")
                % {"v": face.w, "allowed": _range(cfg.face_width_px)},
                measured=f"{face.w} px",
                allowed=_range(cfg.face_width_px),
            )
        )
    elif face.w > high:
        findings.append(
            Finding(
                "face_width",
                _("头像太大：脸宽 %(v)s px，应为 %(allowed)s，请离镜头远一些或缩小人像")
                % {"v": face.w, "allowed": _range(cfg.face_width_px)},
                measured=f"{face.w} px",
                allowed=_range(cfg.face_width_px),
            )
        )

    if abs(offset) > cfg.centre_max_offset_px:
        side = _("偏左") if offset < 0 else _("偏右")
        findings.append(
            Finding(
                "off_centre",
                _("人像没有居中：脸部中心%(side)s %(v)s px，偏移应不超过 %(max)s px")
                % {"side": side, "v": abs(offset), "max": cfg.centre_max_offset_px},
                measured=_("%(side)s %(v)s px") % {"side": side, "v": abs(offset)},
                allowed=_("偏移不超过 %(max)s px") % {"max": cfg.centre_max_offset_px},
            )
        )
    return findings
