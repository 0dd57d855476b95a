"""Naming a backdrop's colour, so a message can say "grey" before it says RGB(128,128,128)."""

import colorsys

import numpy as np


def colour_family(rgb) -> str:
    r, g, b = (c / 255 for c in rgb)
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    if saturation < 0.18 or value < 0.2:
        if value > 0.8:
            return "white"
        return "black" if value < 0.25 else "grey"
    degrees = hue * 360
    if degrees < 20 or degrees >= 330:
        return "red"
    if degrees < 70:
        return "yellow"
    if degrees < 170:
        return "green"
    if degrees < 265:
        return "blue"
    return "purple"


def nearest_allowed(rgb, allowed: tuple[str, ...], references: dict) -> tuple[str, float]:
    """The allowed backdrop closest to the measured colour, and the RGB distance to it."""
    measured = np.array(rgb, np.float32)
    distances = {name: float(np.linalg.norm(measured - np.array(references[name], np.float32))) for name in allowed}
    name = min(distances, key=distances.get)
    return name, distances[name]
