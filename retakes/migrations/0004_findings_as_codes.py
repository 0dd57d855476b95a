"""Stored photo-check findings become codes and figures; their words are built when shown.

Rows written before this stored {"code", "message", "measured", "allowed"} as Chinese text. The
figures are read back out of that text (the formats the old check wrote) and the sentence dropped.
"""

import colorsys
import re

from django.db import migrations

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text or "")]


def _int(text: str):
    numbers = _numbers(text)
    return round(numbers[0]) if numbers else None


def _pair(text: str):
    numbers = _numbers(text)
    return [round(numbers[0]), round(numbers[1])] if len(numbers) >= 2 else None


def _bytes(text: str):
    match = re.search(r"(\d+(?:\.\d+)?)\s*(KB|MB)", text or "")
    if not match:
        return None
    return round(float(match.group(1)) * (1024 * 1024 if match.group(2) == "MB" else 1024))


def _family(rgb) -> str:
    # As retakes.photo_check.colours named backdrops when this migration was written.
    hue, saturation, value = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    if saturation < 0.18 or value < 0.2:
        return "white" if value > 0.8 else ("black" if value < 0.25 else "grey")
    degrees = hue * 360
    for limit, name in ((20, "red"), (70, "yellow"), (170, "green"), (265, "blue"), (330, "purple")):
        if degrees < limit:
            return name
    return "red"


def convert(old: dict) -> dict:
    if "message" not in old:
        return old  # already codes and figures
    code = old.get("code", "")
    message, measured, allowed = old.get("message", ""), old.get("measured", ""), old.get("allowed", "")
    new = {"code": code, "kind": "", "measured": None, "allowed": None, "obtained": "measured", "data": {}}
    if code in ("head_top", "eye_line", "face_width"):
        new["measured"], new["allowed"] = _int(measured), _pair(allowed)
        if "估计" in measured:
            new["obtained"] = "estimated"
        new["kind"] = {
            "head_top": "high" if "太近" in message else "low",
            "eye_line": "high" if "偏高" in message else "low",
            "face_width": "small" if "太小" in message else "large",
        }[code]
    elif code == "off_centre":
        new["kind"] = "left" if "偏左" in measured else "right"
        new["measured"], new["allowed"] = _int(measured), _int(allowed)
    elif code == "file_size":
        new["kind"] = "small" if "太小" in message else "large"
        sizes = [_bytes(part) for part in (allowed or "").split("–")]
        new["measured"], new["allowed"] = _bytes(measured), sizes if len(sizes) == 2 and None not in sizes else None
    elif code == "background_color":
        rgb = _numbers(measured)[:3]
        reference = _numbers(allowed)
        if len(rgb) == 3 and len(reference) >= 4:
            new["measured"], new["allowed"] = [round(c) for c in rgb], ["blue"]
            new["kind"] = "shade" if _family(rgb) == "blue" else "other"
            new["data"] = {
                "name": _family(rgb),
                "nearest": "blue",
                "reference": [round(c) for c in reference[:3]],
                "distance": round(_numbers(measured)[3]) if len(_numbers(measured)) > 3 else None,
                "max_distance": round(reference[3]),
                "darker": sum(rgb) < sum(reference[:3]),
            }
    elif code == "background_uneven":
        new["kind"] = "gradient" if "渐变" in message else "texture"
        figures, bounds = _numbers(measured), _numbers(allowed)
        new["measured"] = figures[0] if figures else None
        new["allowed"] = bounds[0] if bounds else None
        new["data"] = {"direction": "vertical"} if new["kind"] == "gradient" else {}
    elif code == "dimensions":
        caps = re.findall(r"([\d,]{7,})", message)
        cap = {"cap": int(caps[0].replace(",", ""))} if caps else {}
        new["allowed"] = _pair(allowed)
        if "安全上限" in message:
            new["kind"] = "bomb" if "超过" in measured else "too_many_pixels"
            new["measured"] = None if new["kind"] == "bomb" else _pair(measured)
        else:
            new["kind"] = "scaled" if "缩放" in message else "wrong_shape"
            new["measured"] = _pair(measured)
        new["data"] = cap
    elif code == "format":
        fmt, _space, mode = (measured or "").partition(" ")
        if "动图" in message:
            new["kind"], new["measured"], new["allowed"] = "animated", fmt, "JPEG"
            frames = _int(measured.split("，")[-1]) if "，" in measured else None
            new["data"] = {"format": fmt, "frames": frames}
        elif message.startswith("文件格式是"):
            new["kind"], new["measured"], new["allowed"] = "other_format", measured, "JPEG"
            new["data"] = {"format": measured}
        else:
            problems = [
                name
                for name, word in (
                    ("not_jpeg", "，应为 JPEG"),
                    ("transparent", "透明"),
                    ("cmyk", "CMYK"),
                    ("grey", "灰度"),
                )
                if word in message
            ]
            if "色彩模式是" in message and "cmyk" not in problems:
                problems.append("mode")
            new["kind"], new["measured"], new["allowed"] = "not_jpeg_rgb", measured, "JPEG RGB"
            new["data"] = {"problems": problems, "format": fmt, "mode": mode}
    elif code == "not_an_image":
        if "空的" in message:
            new["kind"], new["measured"] = "empty", 0
        elif "不完整" in message:
            new["kind"] = "truncated"
        elif "无法读取" in message:
            new["kind"] = "unreadable"
        else:
            new["kind"] = "unrecognised"
    elif code == "no_face":
        new["measured"], new["allowed"] = 0, 1
    elif code == "multiple_faces":
        new["measured"], new["allowed"] = _int(measured), 1
    return new


def forwards(apps, schema_editor):
    RetakePhoto = apps.get_model("retakes", "RetakePhoto")
    for photo in RetakePhoto.objects.exclude(findings=[]).only("pk", "findings").iterator(chunk_size=500):
        converted = [convert(f) for f in photo.findings or []]
        if converted != photo.findings:
            RetakePhoto.objects.filter(pk=photo.pk).update(findings=converted)


class Migration(migrations.Migration):
    dependencies = [("retakes", "0003_system_notes_as_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
