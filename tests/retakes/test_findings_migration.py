"""Findings stored as sentences before retakes 0004 become codes and figures that are worded when shown."""

import importlib

import pytest

from retakes.photo_check import findings_from_stored

migration = importlib.import_module("retakes.migrations.0004_findings_as_codes")

OLD = [
    (
        {"code": "face_width", "message": "头像太大：脸宽 332 px，应为 180–300 px，请离镜头远一些或缩小人像",
         "measured": "332 px", "allowed": "180–300 px"},
        {"kind": "large", "measured": 332, "allowed": [180, 300]},
        "脸部太宽：两颊之间 332 px，应为 180–300 px（请离镜头远一些）",
    ),
    (
        {"code": "head_top", "message": "头顶离上边缘太近：31 px，应为 50–110 px（头顶上方需留出约六分之一的空白）",
         "measured": "31 px", "allowed": "50–110 px"},
        {"kind": "high", "measured": 31, "allowed": [50, 110]},
        "头顶离上边缘太近：31 px，应为 50–110 px",
    ),
    (
        {"code": "eye_line", "message": "眼睛位置偏低：距上边缘 310 px（未找到双眼，按脸部位置估计），应为 200–300 px",
         "measured": "310 px（未找到双眼，按脸部位置估计）", "allowed": "200–300 px"},
        {"kind": "low", "measured": 310, "obtained": "estimated"},
        "眼睛位置偏低：距上边缘 310 px",
    ),
    (
        {"code": "off_centre", "message": "人像没有居中：脸部中心偏左 40 px，偏移应不超过 30 px",
         "measured": "偏左 40 px", "allowed": "偏移不超过 30 px"},
        {"kind": "left", "measured": 40, "allowed": 30},
        "人像没有居中：脸部中心偏左 40 px",
    ),
    (
        {"code": "background_color", "message": "背景颜色不是标准蓝色：测得 RGB(128,128,128)……",
         "measured": "RGB(128,128,128)，相差 130", "allowed": "RGB(100,197,255) ±60"},
        {"kind": "other", "measured": [128, 128, 128], "allowed": ["blue"]},
        "背景是灰色，应为蓝色",
    ),
    (
        {"code": "file_size", "message": "文件太小：8.0 KB，应为 20.0 KB–2.0 MB（压缩过度，照片不够清晰）",
         "measured": "8.0 KB", "allowed": "20.0 KB–2.0 MB"},
        {"kind": "small", "measured": 8192, "allowed": [20480, 2097152]},
        "文件太小：8.0 KB，应为 20.0 KB–2.0 MB",
    ),
    (
        {"code": "dimensions", "message": "尺寸不对：宽 960 × 高 1280 像素，应为宽 480 × 高 640 像素（其余各项按缩放到 480×640 后测量）",  # noqa: E501
         "measured": "960×1280 px", "allowed": "480×640 px"},  # noqa: E501
        {"kind": "scaled", "measured": [960, 1280], "allowed": [480, 640]},
        "尺寸不对：宽 960 × 高 1280 像素",
    ),
    (
        {"code": "format", "message": "照片格式不符合要求：色彩模式是 CMYK（印刷用），应为 24 位 RGB 彩色",
         "measured": "JPEG CMYK", "allowed": "JPEG，24 位 RGB"},
        {"kind": "not_jpeg_rgb", "data": {"problems": ["cmyk"], "format": "JPEG", "mode": "CMYK"}},
        "照片格式不符合要求：色彩模式是 CMYK",
    ),
    (
        {"code": "not_an_image", "message": "文件是空的（0 字节），请重新选择照片文件", "measured": "0 字节", "allowed": "JPEG 照片"},  # noqa: E501
        {"kind": "empty"},
        "文件是空的",
    ),
    (
        {"code": "background_uneven", "message": "背景深浅不均（有渐变或阴影）：背景最亮处与最暗处相差 45，应不超过 30",
         "measured": "相差 45", "allowed": "不超过 30"},
        {"kind": "gradient", "measured": 45, "allowed": 30},
        "背景有渐变",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "figures", "words"), OLD, ids=[o[0]["code"] for o in OLD])
def test_an_old_sentence_becomes_codes_and_figures(old, figures, words):
    new = migration.convert(old)
    assert "message" not in new and new["code"] == old["code"]
    for key, value in figures.items():
        assert new[key] == value, key
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in repr(new)), new
    (finding,) = findings_from_stored([new])
    assert finding.message.startswith(words), finding.message


def test_an_already_converted_finding_is_left_alone():
    new = {"code": "no_face", "kind": "", "measured": 0, "allowed": 1, "obtained": "measured", "data": {}}
    assert migration.convert(new) is new


@pytest.mark.django_db
def test_the_migration_rewrites_stored_rows(student, student_user, photos):
    from retakes import services
    from retakes.models import RetakePhoto

    from .test_services import file_request

    request = file_request(student, student_user)
    photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    RetakePhoto.objects.filter(pk=photo.pk).update(findings=[OLD[0][0]])

    from django.apps import apps

    migration.forwards(apps, None)
    photo.refresh_from_db()
    assert photo.findings[0]["measured"] == 332
    assert photo.finding_list[0].message.startswith("脸部太宽")
