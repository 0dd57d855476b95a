"""The automatic photo check: rules, bad files and messages (the multi-person matrix is test_photo_corpus.py)."""

import pytest

from retakes.photo_check import CODES, check_photo
from retakes.photo_check.config import load_config

from . import corpus

GEOMETRY = {"head_top", "eye_line", "face_width", "off_centre"}


def codes(report) -> set[str]:
    return set(report.codes)


def test_a_standard_photo_passes_with_measurements_where_it_was_placed(photos):
    report = check_photo(photos["pass"])
    assert report.ok, [f.message for f in report.findings]
    assert report.decoded and report.format == "JPEG" and (report.width, report.height) == (480, 640)
    _, expected = corpus.compose()
    m = report.measurements
    assert abs(m["head_top"] - expected.head_top) <= 10
    assert abs(m["eye_line"] - expected.eye_line) <= 10
    assert abs(m["face_width"] - expected.face_width) <= 10
    assert m["eye_line_obtained"] == m["face_width_obtained"] == m["head_top_obtained"] == "measured"
    assert abs(m["centre_offset"]) <= 10
    assert m["background_distance"] < 10


@pytest.mark.parametrize(
    ("name", "code", "only"),
    [
        ("head_too_high", "head_top", True),
        ("head_too_low", "head_top", False),  # the eyes come down with the head
        ("eyes_too_low", "eye_line", True),
        ("face_too_small", "face_width", True),
        ("face_too_large", "face_width", False),  # a face this large also pushes the eyes down
        ("off_centre", "off_centre", True),
        ("grey_background", "background_color", True),
        ("gradient_background", "background_uneven", True),
        ("shadowed_background", "background_uneven", True),
        ("white_background", "background_color", True),
        ("noisy_background", "background_uneven", True),
        ("two_faces", "multiple_faces", True),
        ("too_small_file", "file_size", True),
        ("too_big_file", "file_size", True),
        ("double_size", "dimensions", True),
        ("landscape", "dimensions", True),
        ("png", "format", True),
        ("cmyk", "format", True),
    ],
)
def test_each_rule_is_broken_by_its_photo(photos, name, code, only):
    report = check_photo(photos[name])
    assert code in codes(report), [f.message for f in report.findings]
    assert not report.ok
    if only:
        assert codes(report) == {code}, [f.message for f in report.findings]


def test_photos_within_the_tolerances_pass(photos):
    for name in ("slightly_off_centre", "light_blue_background", "exif_rotated"):
        report = check_photo(photos[name])
        assert report.ok, (name, [f.message for f in report.findings])


def test_no_face_is_reported_and_nothing_is_measured_about_a_face(photos):
    report = check_photo(photos["no_face"])
    assert "no_face" in codes(report)
    assert not codes(report) & GEOMETRY


def test_head_position_messages_give_the_figure_and_the_range(photos):
    finding = next(f for f in check_photo(photos["head_too_high"]).findings if f.code == "head_top")
    assert abs(finding.measured - 25) <= 10 and finding.kind == "high"
    assert finding.allowed == [50, 110]
    assert finding.message.startswith(f"头顶离上边缘太近：{finding.measured} px，应为 50–110 px")
    assert finding.allowed_label == "50–110 px"

    low = next(f for f in check_photo(photos["head_too_low"]).findings if f.code == "head_top")
    assert "头顶离上边缘太远" in low.message and "50–110 px" in low.message


def test_other_messages_name_what_is_wrong_with_figures(photos):
    by_code = {}
    for name in ("eyes_too_low", "face_too_small", "off_centre", "grey_background", "gradient_background"):
        for finding in check_photo(photos[name]).findings:
            by_code[finding.code] = finding
    assert "眼睛位置偏低" in by_code["eye_line"].message and "200–300 px" in by_code["eye_line"].message
    assert by_code["face_width"].message.startswith("脸部太窄：两颊之间")
    assert "180–300 px（请离镜头近一些）" in by_code["face_width"].message
    assert "偏右" in by_code["off_centre"].message and "30 px" in by_code["off_centre"].message
    colour = by_code["background_color"].message
    # The words a student acts on come before the figures.
    assert colour.startswith("背景是灰色，应为蓝色")
    assert colour.index("灰色") < colour.index("RGB(128,128,128)") < colour.index("RGB(100,197,255)")
    assert "渐变" in by_code["background_uneven"].message


def test_white_is_allowed_where_the_campaign_allows_it(photos):
    assert "background_color" in codes(check_photo(photos["white_background"]))
    assert check_photo(photos["white_background"], backgrounds=("blue", "white")).ok
    report = check_photo(photos["pass"], backgrounds=("white",))
    (finding,) = report.findings
    assert finding.message.startswith("背景是蓝色，应为白色")


def test_an_estimate_is_shown_but_does_not_fail_the_photo(photos):
    from retakes.photo_check.report import Finding, PhotoReport

    estimate = Finding("head_top", kind="high", measured=30, allowed=[50, 110], obtained="estimated")
    report = PhotoReport(findings=[estimate], decoded=True)
    assert report.ok
    assert "估计值" in estimate.message and estimate.measured_label == "30 px（估计）"
    measured = Finding("eye_line", kind="low", measured=330, allowed=[200, 300])
    assert not PhotoReport(findings=[estimate, measured], decoded=True).ok


def test_findings_are_stored_as_codes_and_figures_and_worded_when_shown(photos):
    (finding,) = check_photo(photos["face_too_small"]).findings
    stored = finding.as_dict()
    assert set(stored) == {"code", "kind", "measured", "allowed", "obtained", "data"}
    assert stored["code"] == "face_width" and stored["kind"] == "small"
    assert isinstance(stored["measured"], int) and stored["allowed"] == [180, 300]
    assert stored["obtained"] == "measured"
    # Nothing worded is stored: no CJK character anywhere in the stored finding.
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in repr(stored))
    from retakes.photo_check import findings_from_stored

    (shown,) = findings_from_stored([stored])
    assert shown.message == finding.message


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("empty", "not_an_image", "空"),
        ("text_as_jpg", "not_an_image", "不是可以识别的图片"),
        ("truncated", "not_an_image", "不完整"),
        ("bomb", "dimensions", "安全上限"),
        ("bomb_small", "dimensions", "5000×5000"),
        ("animated_gif", "format", "GIF"),
    ],
)
def test_bad_files_get_a_clear_finding_and_are_not_decoded(photos, name, code, words):
    report = check_photo(photos[name])
    assert report.codes == [code]
    assert words in report.findings[0].message, report.findings[0].message
    assert not report.decoded and not report.ok


def test_png_with_transparency_is_a_format_problem_but_still_measured(photos):
    report = check_photo(photos["png_transparent"])
    assert report.decoded
    fmt = next(f for f in report.findings if f.code == "format")
    assert "透明" in fmt.message and "PNG" in fmt.message
    # Transparent parts show as white, which is not the standard blue.
    assert "background_color" in codes(report)
    assert not codes(report) & GEOMETRY


def test_cmyk_is_converted_before_measuring(photos):
    report = check_photo(photos["cmyk"])
    assert report.codes == ["format"]
    assert "CMYK" in report.findings[0].message
    assert report.measurements["background_distance"] < 10


def test_exif_orientation_is_applied_before_measuring(photos):
    report = check_photo(photos["exif_rotated"])
    assert (report.width, report.height) == (480, 640)
    assert report.ok


def test_the_same_size_at_another_resolution_is_measured_on_a_scaled_copy(photos):
    report = check_photo(photos["double_size"])
    (finding,) = report.findings
    assert "960" in finding.message and "1280" in finding.message and "缩放" in finding.message
    assert abs(report.measurements["head_top"] - 70) <= 10


def test_thresholds_come_from_settings(photos, settings):
    settings.PHOTO_CHECK = {**settings.PHOTO_CHECK, "head_top_px": (80, 110)}
    finding = next(f for f in check_photo(photos["pass"]).findings if f.code == "head_top")
    assert finding.allowed == [80, 110] and "80–110 px" in finding.message
    colours = {**settings.PHOTO_CHECK["background_colours"], "blue": (128, 128, 128)}
    settings.PHOTO_CHECK = {**settings.PHOTO_CHECK, "background_colours": colours}
    assert "background_color" not in codes(check_photo(photos["grey_background"]))


def test_every_finding_code_is_in_the_published_list(photos):
    seen = set()
    for data in photos.values():
        report = check_photo(data)
        for finding in report.findings:
            assert finding.code in CODES
            assert finding.message
            seen.add(finding.code)
    assert seen == set(CODES)


def test_config_lists_every_threshold():
    cfg = load_config()
    assert cfg.width == 480 and cfg.height == 640
    assert cfg.background_colours["blue"] == (100, 197, 255)


def test_a_phone_photo_is_decoded_reduced_and_reported_at_its_real_size(photos):
    report = check_photo(photos["phone_photo"])
    (finding,) = report.findings
    assert finding.code == "dimensions" and finding.measured == [3024, 4032]
    assert finding.measured_label == "3024×4032 px"
    assert (report.width, report.height) == (3024, 4032)
    # Measured on the 480x640 copy: the same framing as the standard photo.
    _, expected = corpus.compose()
    assert abs(report.measurements["head_top"] - expected.head_top) <= 10
    assert abs(report.measurements["eye_line"] - expected.eye_line) <= 10
