"""Thresholds come from settings.PHOTO_CHECK; nothing here repeats them."""

from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class CheckConfig:
    width: int
    height: int
    aspect_tolerance: float
    min_bytes: int
    max_bytes: int
    upload_max_bytes: int
    max_pixels: int
    background_rgb: tuple[int, int, int]
    background_max_distance: float
    background_max_spread: float
    background_max_noise: float
    background_band_px: int
    background_side_depth: float
    head_top_px: tuple[int, int]
    head_pixel_distance: float
    head_row_fraction: float
    eye_line_px: tuple[int, int]
    eye_line_in_face_box: float
    face_width_px: tuple[int, int]
    face_min_px: int
    face_detect_width: int
    centre_max_offset_px: int


def load_config(overrides: dict | None = None) -> CheckConfig:
    values = dict(getattr(settings, "PHOTO_CHECK", {}))
    values.update(overrides or {})
    names = {f.name for f in fields(CheckConfig)}
    missing = sorted(names - values.keys())
    if missing:
        raise ImproperlyConfigured(f"settings.PHOTO_CHECK is missing {', '.join(missing)}")
    return CheckConfig(**{name: values[name] for name in names})
