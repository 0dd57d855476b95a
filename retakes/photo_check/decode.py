"""Turning untrusted bytes into an RGB array, or into a finding that says why not.

Only the JPEG and PNG parsers ever see the bytes (fewer parsers, less attack surface);
other formats are named from their magic bytes so the message can say what was sent.
The pixel cap is checked on the header's size before a single pixel is decoded.
"""

import io
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from .config import CheckConfig
from .report import Finding

# The only parsers that ever see the bytes. The JPEG opener also returns "MPO", Pillow's name for
# the multi-picture JPEGs many phones write; their first frame is the photo.
DECODABLE = ("JPEG", "PNG")
JPEG_FORMATS = ("JPEG", "MPO")

_MAGIC = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
)


@dataclass
class Decoded:
    rgb: np.ndarray | None = None
    format: str = ""
    width: int = 0
    height: int = 0
    findings: list[Finding] = field(default_factory=list)


def sniff_format(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "HEIC"
    return ""


def _not_an_image(message: str, measured: str) -> Decoded:
    return Decoded(findings=[Finding("not_an_image", message, measured=measured, allowed=_("JPEG 照片"))])


def decode(data: bytes, cfg: CheckConfig) -> Decoded:
    if not data:
        return _not_an_image(_("文件是空的（0 字节），请重新选择照片文件"), _("0 字节"))
    try:
        # Pillow may warn about a big header first; our own, much lower cap below decides.
        image = Image.open(io.BytesIO(data), formats=DECODABLE)
    except Image.DecompressionBombError:
        return Decoded(
            findings=[
                Finding(
                    "dimensions",
                    _("图片像素过多，超过安全上限 %(cap)s 像素，未解码：标准照片为宽 %(w)s × 高 %(h)s 像素")
                    % {"cap": f"{cfg.max_pixels:,}", "w": cfg.width, "h": cfg.height},
                    measured=_("超过 %(cap)s 像素") % {"cap": f"{cfg.max_pixels:,}"},
                    allowed=f"{cfg.width}×{cfg.height} px",
                )
            ]
        )
    except Exception:  # any parser failure on untrusted bytes means "not a usable image"
        sniffed = sniff_format(data)
        if sniffed:
            return Decoded(
                format=sniffed,
                findings=[
                    Finding(
                        "format",
                        _("文件格式是 %(fmt)s，应为 JPEG（.jpg）照片，请另存为 JPEG 后上传")
                        % {"fmt": _format_label(sniffed)},
                        measured=sniffed,
                        allowed="JPEG",
                    )
                ],
            )
        return _not_an_image(
            _("不是可以识别的图片文件（可能是改了扩展名的其他文件），请上传 JPEG 照片"), _("无法识别的文件")
        )

    with image:
        fmt = image.format or ""
        width, height = image.size
        if width * height > cfg.max_pixels:
            return Decoded(
                format=fmt,
                width=width,
                height=height,
                findings=[
                    Finding(
                        "dimensions",
                        _(
                            "图片尺寸过大：%(w)s×%(h)s 像素，超过安全上限 %(cap)s 像素，未解码；"
                            "标准为宽 %(sw)s × 高 %(sh)s"
                        )
                        % {"w": width, "h": height, "cap": f"{cfg.max_pixels:,}", "sw": cfg.width, "sh": cfg.height},
                        measured=f"{width}×{height} px",
                        allowed=f"{cfg.width}×{cfg.height} px",
                    )
                ],
            )
        frames = getattr(image, "n_frames", 1)
        if frames > 1 and fmt not in JPEG_FORMATS:
            return Decoded(
                format=fmt,
                width=width,
                height=height,
                findings=[
                    Finding(
                        "format",
                        _("这是一张动图（%(fmt)s，%(n)s 帧），应为单张 JPEG 照片") % {"fmt": fmt, "n": frames},
                        measured=_("%(fmt)s 动图，%(n)s 帧") % {"fmt": fmt, "n": frames},
                        allowed="JPEG",
                    )
                ],
            )
        orientation = _orientation(image)
        if orientation in _SWAPS_AXES:
            width, height = height, width
        if fmt in JPEG_FORMATS and width * height > 4 * cfg.width * cfg.height:
            # A phone photo: let libjpeg decode at 1/2, 1/4 or 1/8 scale, still at least the
            # standard's size. Four to sixty-four times less memory and time; the sizes we
            # report stay the original ones.
            wanted = (cfg.height, cfg.width) if orientation in _SWAPS_AXES else (cfg.width, cfg.height)
            image.draft("RGB", wanted)
        try:
            image.load()
        except Exception:  # truncated or corrupt pixel data
            return _not_an_image(
                _("图片文件不完整或已损坏（可能上传或复制时中断），请重新导出照片后上传"),
                _("%(fmt)s 文件不完整") % {"fmt": fmt},
            )
        try:
            image = ImageOps.exif_transpose(image)
        except Exception:
            pass  # a broken EXIF block should not cost the student the whole check
        problems = []
        if fmt not in JPEG_FORMATS:
            problems.append(_("格式是 %(fmt)s，应为 JPEG（.jpg）") % {"fmt": fmt})
        mode = image.mode
        transparent = _has_transparency(image)
        if transparent:
            problems.append(_("带有透明区域，应为不透明的照片"))
        if mode == "CMYK":
            problems.append(_("色彩模式是 CMYK（印刷用），应为 24 位 RGB 彩色"))
        elif mode in ("L", "LA", "1", "I", "I;16", "F"):
            problems.append(_("是灰度或黑白图片，应为 24 位 RGB 彩色"))
        elif mode not in ("RGB", "RGBA", "P", "PA"):
            problems.append(_("色彩模式是 %(mode)s，应为 24 位 RGB 彩色") % {"mode": mode})
        rgb = _to_rgb(image, transparent)
    findings = []
    if problems:
        findings.append(
            Finding(
                "format",
                _("照片格式不符合要求：%(problems)s") % {"problems": "；".join(problems)},
                measured=f"{fmt} {mode}",
                allowed=_("JPEG，24 位 RGB"),
            )
        )
    if width != height and (rgb.shape[1] > rgb.shape[0]) != (width > height):
        width, height = height, width  # the EXIF rotation was not applied after all
    return Decoded(rgb=rgb, format=fmt, width=width, height=height, findings=findings)


# EXIF orientations 5-8 store the picture turned by 90 degrees.
_SWAPS_AXES = frozenset({5, 6, 7, 8})


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # a malformed EXIF block is treated as "no rotation"
        return 1


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        return image.getchannel("A").getextrema()[0] < 255
    return image.mode in ("P", "RGB", "L") and "transparency" in image.info


def _to_rgb(image: Image.Image, transparent: bool) -> np.ndarray:
    if transparent:
        # Transparent parts show as white, as most viewers (and Xinhua's upload form) would.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        image = canvas
    return np.asarray(image.convert("RGB"))


def _format_label(fmt: str) -> str:
    labels = {"HEIC": _("HEIC（苹果手机照片格式）"), "GIF": "GIF", "WEBP": "WEBP", "PDF": "PDF"}
    return labels.get(fmt, fmt)
