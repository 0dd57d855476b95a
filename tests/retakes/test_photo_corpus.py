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
# Tried and not kept (so not tried again): edge refinement (moves Collins' shaded cheek -13 px or
# Obama's ear +17), other or refitted detector boxes for every face, a mirrored fit, the glasses' temples closed
# away, points 2-14, a prior from the eyes, MediaPipe's 468-point mesh (mediapipe 0.10.21: its
# cheek points sit on Hopper's ears too, Biden 4% narrow), luminance and redness along the
# contour (flat across Hopper's cheek/ear junction), OpenCV's old ear cascades (removed from
# opencv_contrib, CC BY-NC; they boxed her ear at 161-177), and a second fit on the backdrop
# repainted one grey (its result depends on the grey chosen), and the box found at full size for
# every face (Hopper 190 px wide measures +31 from it; it is used only to confirm a refusal).
# The cheek references were re-read blind on 2026-12-07 (corpus.cheek_edges): an earlier single
# reading had put Hopper's left cheek edge at 188, seven px inside where four blind readers put it,
# which made every Hopper figure look 12-19 px wide. Hopper's ears are handled by checking the cheek
# points against her outline (photo_check.cheeks): on the darker blue she measured +21 px, +12 off
# centre, before it. Biden's drawn glasses were level on his head tilted 12 degrees, which glasses
# resting on the nose and ears cannot be; drawn rolled with his head (corpus._glasses), his figure
# on the darker blue went from -13 px to -8, and his worst across the range from -7 to -13.
KNOWN_OFF_FIGURES: set[tuple[str, str]] = set()


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


# Every 10 px across the allowed width (180-300 px), eyes on row 250: beyond the cases' placements.
# Where a person's worst figure is over 10 px, the bound says how far and why.
ACROSS_THE_RANGE_BOUND = {
    "feat_f13": 14,  # her bob lies over her left cheek: 4-5% wide, 11-13 px from 240 px up
    "hopper": 15,  # her ears, where the points reach them but not her outline: +14 px at 250
    # With the drawn glasses dlib's right cheek points sit inside his cheek, the side turned away:
    # -13 px at 300, -1 to -8 below (without glasses -7 at worst).
    "biden_glasses": 13,
}


def test_the_face_width_is_measured_across_the_allowed_range():
    too_far = {}
    for person in corpus.PEOPLE:
        errors = {}
        for width in range(180, 301, 10):
            rgb, _ = corpus.compose(person, face_width=width, eye_line=250)
            errors[width] = check_photo(corpus.jpeg(rgb)).measurements["face_width"] - width
        if max(map(abs, errors.values())) > ACROSS_THE_RANGE_BOUND.get(person, 10):
            too_far[person] = errors
    assert not too_far, too_far


def test_a_compliant_face_the_small_copys_box_makes_too_wide_is_fitted_again_at_full_size():
    # Hopper 220 px wide: the detector's box on the copy at 0.35 is 1.35 face widths across, and the
    # 68 points spread with it onto her ears and cap (305 px measured). The box found at full size
    # around the face gives her width back.
    rgb, _ = corpus.compose("hopper", face_width=220, head_top=75)
    report = check_photo(corpus.jpeg(rgb))
    assert report.ok, [f.message for f in report.findings]
    assert abs(report.measurements["face_width"] - 220) <= 10


def test_a_face_really_too_wide_or_too_narrow_is_still_refused():
    for person in ("obama", "collins", "hopper"):
        rgb, _ = corpus.compose(person, face_width=320, eye_line=250)
        report = check_photo(corpus.jpeg(rgb))
        assert "face_width" in _failing(report), person
        assert abs(report.measurements["face_width"] - 320) <= 10, person
    # Not fitted again when too narrow: the full-size box would spread Hopper 155 px wide to 216.
    rgb, _ = corpus.compose("hopper", face_width=155, eye_line=250)
    report = check_photo(corpus.jpeg(rgb))
    assert "face_width" in _failing(report)
    assert report.measurements["face_width"] < 180


def test_hopper_too_narrow_is_refused_although_the_points_reach_her_ears():
    # The small copy's box spread the points onto her ears: 150 px measured 189, 160 measured 180,
    # both accepted. A cheek point on her outline has the face fitted again from a smaller box.
    for width in (150, 160):
        rgb, _ = corpus.compose("hopper", face_width=width, eye_line=250)
        report = check_photo(corpus.jpeg(rgb))
        assert "face_width" in _failing(report), width
        assert abs(report.measurements["face_width"] - width) <= 10, (width, report.measurements["face_width"])


@pytest.mark.parametrize(("width", "eye_line", "before"), [(210, 230, 279), (220, 230, 267), (220, 270, 259)])
def test_a_face_whose_cheek_points_are_on_its_outline_is_fitted_again(width, eye_line, before):
    # Compliant Hopper, measured 39-69 px too wide (`before`) when the small copy's box carried the
    # points out to her ears and cap: wide, but not so wide as to be refused and fitted again.
    rgb, _ = corpus.compose("hopper", face_width=width, eye_line=eye_line)
    report = check_photo(corpus.jpeg(rgb))
    assert abs(report.measurements["face_width"] - width) <= 10, report.measurements["face_width"]
    assert abs(report.measurements["centre_offset"]) <= 10


def test_only_a_cheek_point_on_the_outline_has_the_face_fitted_again(matrix, monkeypatch):
    # The refit keeps the narrower fit, and for most faces dlib's first fit is the better one
    # (from a box a step smaller Biden with glasses 185 px wide measures about 10 px narrower): it runs for
    # Hopper alone, whose ears the points reach. A man turned a little (feat_m) has his far cheek
    # on his outline, its ear hidden, and is not fitted again.
    from retakes.photo_check import checker

    refitted = []
    real = checker.refitted
    monkeypatch.setattr(checker, "refitted", lambda face, gray: refitted.append(face) or real(face, gray))
    fitted_again = set()
    for case, data, _truth in matrix:
        if case.compliant:
            count = len(refitted)
            check_photo(data, backgrounds=case.backgrounds)
            if len(refitted) > count:
                fitted_again.add(case.name)
    assert fitted_again == {"hopper-dark_blue"}


def test_a_wide_face_still_has_its_backdrop_measured():
    # A face 290 px cheek to cheek (inside the range) leaves little backdrop beside the head:
    # a grey backdrop is still seen.
    rgb, _ = corpus.compose("obama", face_width=290, eye_line=240, background=corpus.solid((128, 128, 128)))
    report = check_photo(corpus.jpeg(rgb))
    assert _failing(report) == {"background_color"}
    (finding,) = report.findings
    assert finding.message.startswith("背景是灰色，应为蓝色")
    assert "RGB(128,128,128)" in finding.message


# Hopper: the shadow meets her dark cap with no textured edge between them.
@pytest.mark.parametrize(("person", "width", "top"), [("biden", 230, 80), ("hopper", 200, 75)])
def test_a_shadow_beside_the_head_is_named_a_shadow_on_its_side(person, width, top):
    rgb, _ = corpus.compose(person, face_width=width, head_top=top, shadow=("right", 0.6))
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
