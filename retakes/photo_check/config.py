"""Thresholds come from settings.PHOTO_CHECK; nothing here repeats them."""

from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The standard's backdrop (教毕指〔2017〕99号 and this notice): blue. A campaign may allow others.
DEFAULT_BACKGROUNDS = ("blue",)


@dataclass(frozen=True)
class CheckConfig:
    width: int
    height: int
    aspect_tolerance: float
    min_bytes: int
    max_bytes: int
    upload_max_bytes: int
    max_pixels: int
    background_colours: dict  # name -> (r, g, b) of each backdrop a campaign may allow
    background_max_distance: float
    background_max_spread: float
    background_max_noise: float
    backdrop_min_fraction: float
    separation_step: int
    separation_texture_floor: float
    separation_texture_factor: float
    head_top_px: tuple[int, int]
    eye_line_px: tuple[int, int]
    face_width_px: tuple[int, int]
    face_min_px: int
    centre_max_offset_px: int


def load_config(overrides: dict | None = None) -> CheckConfig:
    values = dict(getattr(settings, "PHOTO_CHECK", {}))
    values.update(overrides or {})
    names = {f.name for f in fields(CheckConfig)}
    missing = sorted(names - values.keys())
    if missing:
        raise ImproperlyConfigured(f"settings.PHOTO_CHECK is missing {', '.join(missing)}")
    return CheckConfig(**{name: values[name] for name in names})
