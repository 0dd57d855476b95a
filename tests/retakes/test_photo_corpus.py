"""The photo check on real people of different skin tones, with and without glasses, on backdrops
and at positions that pass and that break each rule (tests/retakes/cases.py, corpus.py)."""

import cv2
import pytest

from retakes.photo_check import check_photo

from . import cases, corpus

BACKDROP = {"background_color", "background_uneven"}

# Known off today, each with why; the test fails as soon as one is fixed or another goes off, so
# this list only shrinks. dlib's 68 points are all the cheek width is measured from: edges in the
# image do not tell a cheek from an ear (Obama's ears would widen him 15 px) nor from long hair.
# Looked at again: the references hold (on 8x crops of the source, Hopper's cheek/ear junctions are
# at x 188 and 350, dlib's points at 177 and 354 are on the ears; Biden's right cheek edge is the
# lit rim at 710, dlib's 705). Nothing tried kept every other figure within 10 px: moving a point
# that sits on something darker than its cheek (a crease, hair) in to the edge also moves Collins'
# shaded cheek edge (-13 px); the strongest edge near a point, or traced up from the jaw, is
# Obama's ear (+17); the jaw points below and the nose line do not tell Hopper's ears (her contour
# is as smooth, her halves as even, as Obama's) and Biden, f13 and feat_m are turned; a narrower
# or a refitted detector box, a mirrored fit, or the glasses' temples closed away still leave some
# Hopper placements over 10 px wide. A second model does no better: MediaPipe's 468-point face
# mesh (mediapipe 0.10.21, which still ships its models; 1.2.3 does not) puts Hopper's cheek points
# (234/454) on the same ears, +12.9% on her source photo, and Biden's 4% narrow, while it is
# within 3% on the six others. Along dlib's contour, luminance and redness are as flat across her
# cheek/ear junction as across her cheek (no crease to find), checked 2026-12-07.
# Long hair widens little: feat_f13 (a bob over one cheek) +6..+10 px, feat_f15
# +2..+4 px, placed 180-300 px wide on blue and dark blue.
KNOWN_OFF_FIGURES = {
    # dlib puts Hopper's cheek points on her ears behind the glasses' temples: +12..19 px (the
    # white backdrop's +9 is within).
    ("hopper-pass", "face_width"),
    ("hopper-slightly_left", "face_width"),
    ("hopper-light_blue", "face_width"),
    ("hopper-dark_blue", "face_width"),
    # Biden's head is tilted 12 degrees; with the drawn glasses dlib's right cheek point sits inside
    # his cheek: 11 px narrow on the darker blue, 4-9 px on the other backdrops.
    ("biden_glasses-dark_blue", "face_width"),
}


@pytest.fixture(scope="session")
def matrix():
    return cases.build()


def _failing(report) -> set:
    return {f.code for f in report.findings if not f.estimated}


def test_the_corpus_has_eight_real_people_with_their_provenance():
    real = {p.package + p.path: p for p in corpus.PEOPLE.values()}
    assert len(real) >= 8
    assert sum(p.east_asian for p in real.values()) >= 3
    traits = {trait for p in real.values() for trait in p.traits}
    assert {"glasses", "long_hair", "dark_hair"} <= traits
    assert any(p.glasses for p in real.values())  # real glasses, not only drawn ones
    for person in corpus.PEOPLE.values():
        assert person.package and person.path and person.licence
    for name in corpus.FETCHED:
        assert name in corpus.SHA256


def test_every_photo_gets_the_right_verdict(matrix):
    wrong = []
    for case, data, _truth in matrix:
        report = check_photo(data, backgrounds=case.backgrounds)
        failing = _failing(report)
        if case.backdrop == "original":
            right = not report.ok and failing & BACKDROP
        elif _truth.head_top < 0:
            # The head is cut off by the top edge and the hair fills the upper corners: nothing
            # there is backdrop, and what is taken for it may be reported too (known limitation).
            right = not report.ok and set(case.expected) <= failing <= set(case.expected) | BACKDROP
        else:
            right = report.ok == case.compliant and failing == set(case.expected)
        if not right:
            wrong.append((case.name, sorted(case.expected), sorted(failing), report.measurements))
    assert not wrong, "\n".join(map(str, wrong))
    assert len(matrix) >= 250


def test_compliant_photos_are_measured_within_10_px_of_the_placed_truth(matrix):
    off = []
    for case, data, truth in matrix:
        if not case.compliant:
            continue
        m = check_photo(data, backgrounds=case.backgrounds).measurements
        for key, placed in (
            ("head_top", truth.head_top),
            ("eye_line", truth.eye_line),
            ("face_width", truth.face_width),
            ("centre_offset", truth.centre_offset),
        ):
            if abs(m[key] - placed) > 10:
                off.append((case.name, key, m[key], round(placed)))
        assert m["head_top_obtained"] == "measured", case.name
    assert {(name, key) for name, key, *_ in off} == KNOWN_OFF_FIGURES, off


def test_a_wide_face_still_has_its_backdrop_measured():
    # A face 290 px cheek to cheek (inside the range) leaves little backdrop beside the head:
    # a grey backdrop is still seen.
    rgb, _ = corpus.compose("obama", face_width=290, eye_line=240, background=corpus.solid((128, 128, 128)))
    report = check_photo(corpus.jpeg(rgb))
    assert _failing(report) == {"background_color"}
    (finding,) = report.findings
    assert finding.message.startswith("背景是灰色，应为蓝色")
    assert "RGB(128,128,128)" in finding.message


def test_a_shadow_beside_the_head_is_named_a_shadow_on_its_side():
    rgb, _ = corpus.compose("biden", face_width=230, head_top=80, shadow=("right", 0.6))
    (finding,) = check_photo(corpus.jpeg(rgb)).findings
    assert finding.code == "background_uneven" and finding.kind == "shadow"
    assert "阴影" in finding.message and "右侧" in finding.message


@pytest.mark.parametrize("person", ["feat_f1", "feat_f15", "feat_m", "collins"])
@pytest.mark.parametrize(("side", "words"), [("left", "头部左侧"), ("right", "头部右侧")])
@pytest.mark.parametrize("shadow", [(0.7, 0.2, 0.35), (0.6, 0.02, 0.35)], ids=["soft", "hard"])
def test_a_shadow_next_to_a_220_px_face_is_found_and_says_what_to_do(person, side, words, shadow):
    rgb, _ = corpus.compose(person, face_width=220, head_top=75, shadow=(side, *shadow))
    (finding,) = check_photo(corpus.jpeg(rgb)).findings
    assert finding.code == "background_uneven" and finding.kind == "shadow"
    assert finding.data["side"] == side and finding.data["where"] == "head"
    assert finding.message.startswith(f"{words}背景有阴影，请调整灯光或离背景远一些（阴影处比其余背景暗 ")


def test_long_hair_over_the_cheeks_does_not_widen_the_face():
    for person in ("feat_f15", "feat_f13"):
        for width in (200, 240):
            rgb, _ = corpus.compose(person, face_width=width, head_top=75)
            m = check_photo(corpus.jpeg(rgb)).measurements
            assert abs(m["face_width"] - width) <= 10, (person, width, m["face_width"])


def test_a_too_wide_face_says_how_wide_cheek_to_cheek_and_what_to_do():
    rgb, _truth = corpus.compose("obama", face_width=320, eye_line=250)
    finding = next(f for f in check_photo(corpus.jpeg(rgb)).findings if f.code == "face_width")
    assert abs(finding.measured - 320) <= 15
    assert finding.message.startswith(f"脸部太宽：两颊之间 {finding.measured} px，应为 180–300 px（请离镜头远一些）")


def test_glasses_do_not_hide_the_eyes():
    for person in ("obama_glasses", "biden_glasses"):
        rgb, truth = corpus.compose(person, **cases.BASE[person])
        m = check_photo(corpus.jpeg(rgb)).measurements
        assert m["eye_line_obtained"] == "measured"
        assert abs(m["eye_line"] - truth.eye_line) <= 10, person


def test_a_compliant_jpeg_at_quality_60_is_not_refused_for_its_size():
    for person, base in cases.BASE.items():
        rgb, _ = corpus.compose(person, **base)
        pillow = corpus.jpeg(rgb, quality=60)
        ok, opencv = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 60])
        for data in (pillow, opencv.tobytes()):
            report = check_photo(data)
            assert "file_size" not in report.codes, (person, len(data))
            assert report.ok, (person, [f.message for f in report.findings])
