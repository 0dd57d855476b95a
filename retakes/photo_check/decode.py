"""Turning untrusted bytes into an RGB array, or into a finding that says why not.

Only the JPEG and PNG parsers ever see the bytes (fewer parsers, less attack surface);
other formats are named from their magic bytes so the message can say what was sent.
The pixel cap is checked on the header's size before a single pixel is decoded.
"""

import io
from dataclasses import dataclass, field

import numpy as np
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
GREY_MODES = ("L", "LA", "1", "I", "I;16", "F")
COLOUR_MODES = ("RGB", "RGBA", "P", "PA")
# EXIF orientations 5-8 store the picture turned by 90 degrees.
_SWAPS_AXES = frozenset({5, 6, 7, 8})


@dataclass
class Decoded:
    rgb: np.ndarray | None = None
    format: str = ""
    width: int = 0
    height: int = 0
    findings: list[Finding] = field(default_factory=list)


class _Refused(Exception):
    """Decoding stops here; the Decoded it carries says why."""

    def __init__(self, decoded: Decoded):
        self.decoded = decoded


def decode(data: bytes, cfg: CheckConfig) -> Decoded:
    try:
        image = _open(data, cfg)
        with image:
            fmt, width, height, orientation = _header(image, cfg)
            image = _load_pixels(image, cfg, fmt, orientation)
            problems, mode = _colour_problems(image, fmt)
            rgb = _to_rgb(image, "transparent" in problems)
    except _Refused as refused:
        return refused.decoded
    if orientation in _SWAPS_AXES:
        width, height = height, width
    if width != height and (rgb.shape[1] > rgb.shape[0]) != (width > height):
        width, height = height, width  # the EXIF rotation was not applied after all
    findings = []
    if problems:
        findings.append(
            Finding(
                "format",
                kind="not_jpeg_rgb",
                measured=f"{fmt} {mode}",
                allowed="JPEG RGB",
                data={"problems": problems, "format": fmt, "mode": mode},
            )
        )
    return Decoded(rgb=rgb, format=fmt, width=width, height=height, findings=findings)


def sniff_format(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "HEIC"
    return ""


def _refuse(finding: Finding, **decoded) -> _Refused:
    return _Refused(Decoded(findings=[finding], **decoded))


def _open(data: bytes, cfg: CheckConfig) -> Image.Image:
    if not data:
        raise _refuse(Finding("not_an_image", kind="empty", measured=0))
    try:
        # Pillow may warn about a big header first; our own, much lower cap below decides.
        return Image.open(io.BytesIO(data), formats=DECODABLE)
    except Image.DecompressionBombError:
        raise _refuse(
            Finding("dimensions", kind="bomb", allowed=[cfg.width, cfg.height], data={"cap": cfg.max_pixels})
        ) from None
    except Exception:  # any parser failure on untrusted bytes means "not a usable image"
        sniffed = sniff_format(data)
        if sniffed:
            raise _refuse(
                Finding("format", kind="other_format", measured=sniffed, allowed="JPEG", data={"format": sniffed}),
                format=sniffed,
            ) from None
        raise _refuse(Finding("not_an_image", kind="unrecognised")) from None


def _header(image: Image.Image, cfg: CheckConfig) -> tuple[str, int, int, int]:
    """Format, stored size and EXIF orientation, refusing what must not be decoded."""
    fmt = image.format or ""
    width, height = image.size
    seen = {"format": fmt, "width": width, "height": height}
    if width * height > cfg.max_pixels:
        raise _refuse(
            Finding(
                "dimensions",
                kind="too_many_pixels",
                measured=[width, height],
                allowed=[cfg.width, cfg.height],
                data={"cap": cfg.max_pixels},
            ),
            **seen,
        )
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and fmt not in JPEG_FORMATS:
        raise _refuse(
            Finding("format", kind="animated", measured=fmt, allowed="JPEG", data={"format": fmt, "frames": frames}),
            **seen,
        )
    return fmt, width, height, _orientation(image)


def _load_pixels(image: Image.Image, cfg: CheckConfig, fmt: str, orientation: int) -> Image.Image:
    width, height = image.size
    if fmt in JPEG_FORMATS and width * height > 4 * cfg.width * cfg.height:
        # A phone photo: let libjpeg decode at 1/2, 1/4 or 1/8 scale, still at least the
        # standard's size. Four to sixty-four times less memory and time; the sizes we
        # report stay the original ones.
        wanted = (cfg.height, cfg.width) if orientation in _SWAPS_AXES else (cfg.width, cfg.height)
        image.draft("RGB", wanted)
    try:
        image.load()
    except Exception:  # truncated or corrupt pixel data
        raise _refuse(Finding("not_an_image", kind="truncated", data={"format": fmt})) from None
    if orientation in (0, 1):
        return image  # upright already: exif_transpose would only copy it
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image  # a broken EXIF block should not cost the student the whole check


def _colour_problems(image: Image.Image, fmt: str) -> tuple[list[str], str]:
    problems = []
    if fmt not in JPEG_FORMATS:
        problems.append("not_jpeg")
    if _has_transparency(image):
        problems.append("transparent")
    mode = image.mode
    if mode == "CMYK":
        problems.append("cmyk")
    elif mode in GREY_MODES:
        problems.append("grey")
    elif mode not in COLOUR_MODES:
        problems.append("mode")
    return problems, mode


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
    # convert() copies even an RGB image; the array is only read.
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
