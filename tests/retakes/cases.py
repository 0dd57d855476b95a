"""The multi-person test matrix: each person placed to pass, and to break each rule, with every
figure at least MARGIN px from its threshold; the expected verdict is computed from the placed truth."""

from dataclasses import dataclass, field

from . import corpus

MARGIN = 15
HEAD_TOP, EYE_LINE, FACE_WIDTH, CENTRE = (50, 110), (200, 300), (180, 300), 30

# A compliant placement per person (their proportions differ: the astronaut's hair is high above her eyes).
BASE = {
    "collins": {"face_width": 200, "head_top": 75},
    "obama": {"face_width": 230, "head_top": 95},
    "obama_glasses": {"face_width": 230, "head_top": 95},
    "biden": {"face_width": 230, "head_top": 80},
    "biden_glasses": {"face_width": 230, "head_top": 80},
    "feat_f1": {"face_width": 215, "head_top": 75},
    "feat_f15": {"face_width": 215, "head_top": 75},
    "feat_f13": {"face_width": 215, "head_top": 75},
    "feat_m": {"face_width": 215, "head_top": 75},
    "hopper": {"face_width": 200, "head_top": 75},
}
# Where a person's proportions put another figure too close to its threshold, the case moves.
OVERRIDES = {
    "biden": {
        "head_high": {"head_top": 10},
        "eyes_high": {"face_width": 205},
        "narrow": {"face_width": 155, "head_top": 67},
    },
}
OVERRIDES["obama"] = {"wide": {"face_width": 320, "eye_line": 250}}
_LONG_HAIR = {
    "head_high": {"head_top": 10},
    "narrow": {"head_top": 65},
    "eyes_high": {"face_width": 195},
    "head_low": {"head_top": 160},
}
OVERRIDES.update(
    {
        "feat_f1": {"head_high": {"head_top": 25}, "head_low": {"head_top": 170}, "eyes_high": {"face_width": 210}},
        "feat_f15": _LONG_HAIR,
        "feat_f13": _LONG_HAIR,
        "feat_m": {"narrow": {"head_top": 85}, "eyes_high": {"face_width": 195}},
        "hopper": {"narrow": {"head_top": 85}, "eyes_high": {"face_width": 195}},
    }
)
OVERRIDES["biden_glasses"] = OVERRIDES["biden"]
OVERRIDES["obama_glasses"] = OVERRIDES["obama"]
BLUE_LIGHT, WHITE, GREY, RED = (120, 205, 250), (250, 250, 250), (128, 128, 128), (200, 30, 40)
DARK_BLUE, NAVY = (75, 165, 230), (25, 45, 110)


@dataclass(frozen=True)
class Case:
    name: str
    person: str
    placement: dict
    backdrop: str = "blue"
    expected: frozenset = field(default_factory=frozenset)  # the codes a correct check reports
    backgrounds: tuple = ("blue",)

    @property
    def compliant(self) -> bool:
        return not self.expected


def _backdrop(name: str) -> dict:
    return {
        "blue": {},
        "light_blue": {"background": corpus.solid(BLUE_LIGHT)},
        "white": {"background": corpus.solid(WHITE)},
        "grey": {"background": corpus.solid(GREY)},
        "red": {"background": corpus.solid(RED)},
        "gradient": {"background": corpus.vertical_gradient((100, 197, 255), (40, 110, 190))},
        "shadow_right": {"shadow": ("right", 0.6)},
        "shadow_left": {"shadow": ("left", 0.6)},
        # Beside the head, whatever the face's width: a soft shadow (a large light, blurred over a
        # fifth of a face width, 30% darker) and a hard one (a bare flash: a sharp edge, 40% darker).
        "soft_shadow_left": {"shadow": ("left", 0.7, 0.2, 0.35)},
        "soft_shadow_right": {"shadow": ("right", 0.7, 0.2, 0.35)},
        "hard_shadow_left": {"shadow": ("left", 0.6, 0.02, 0.35)},
        "hard_shadow_right": {"shadow": ("right", 0.6, 0.02, 0.35)},
        # Dark hair on a dark backdrop: a deeper blue still within the allowed distance, and navy.
        "dark_blue": {"background": corpus.solid(DARK_BLUE)},
        "navy": {"background": corpus.solid(NAVY)},
        "noisy": {"background": corpus.noisy()},
        "original": {"original": True},
    }[name]


BACKDROP_CODES = {
    "blue": set(),
    "light_blue": set(),
    "white": {"background_color"},
    "grey": {"background_color"},
    "red": {"background_color"},
    "gradient": {"background_uneven"},
    "shadow_right": {"background_uneven"},
    "shadow_left": {"background_uneven"},
    "soft_shadow_left": {"background_uneven"},
    "soft_shadow_right": {"background_uneven"},
    "hard_shadow_left": {"background_uneven"},
    "hard_shadow_right": {"background_uneven"},
    "dark_blue": set(),
    "navy": {"background_color"},
    "noisy": {"background_uneven"},
}


def _outside(value: float, bounds, code: str) -> set:
    low, high = bounds
    distance = min(abs(value - low), abs(value - high))
    assert distance >= MARGIN, f"{code} placed {value:.0f} px, within {MARGIN} px of {bounds}: move the case"
    return set() if low <= value <= high else {code}


def expected_geometry(truth: corpus.Expected) -> set:
    codes = _outside(truth.head_top, HEAD_TOP, "head_top")
    codes |= _outside(truth.eye_line, EYE_LINE, "eye_line")
    codes |= _outside(truth.face_width, FACE_WIDTH, "face_width")
    codes |= _outside(truth.centre_offset, (-CENTRE, CENTRE), "off_centre")
    return codes


def build() -> list[tuple[Case, bytes, corpus.Expected]]:
    built = []
    for person, base in BASE.items():
        truth_base = corpus.compose(person, **base)[1]
        eyes = truth_base.eye_line
        geometry = {
            "pass": base,
            "head_high": {**base, "head_top": 30},
            "head_low": {**base, "head_top": 145},
            "narrow": {"face_width": 155, "head_top": base["head_top"]},
            "wide": {"face_width": 320, "eye_line": eyes},
            "left": {**base, "centre_x": 240 - 55},
            "right": {**base, "centre_x": 240 + 55},
            "slightly_left": {**base, "centre_x": 240 - 12},
            "eyes_high": {"face_width": 195, "eye_line": 180},
        }
        for name, moved in OVERRIDES.get(person, {}).items():
            geometry[name] = {**geometry[name], **moved}
        for name, placement in geometry.items():
            rgb, truth = corpus.compose(person, **placement)
            try:
                expected = frozenset(expected_geometry(truth))
            except AssertionError as exc:
                raise AssertionError(f"{person}-{name}: {exc}") from None
            case = Case(f"{person}-{name}", person, placement, expected=expected)
            built.append((case, corpus.jpeg(rgb), truth))
        for backdrop, codes in BACKDROP_CODES.items():
            if backdrop == "blue":
                continue
            rgb, truth = corpus.compose(person, **base, **_backdrop(backdrop))
            case = Case(f"{person}-{backdrop}", person, base, backdrop, frozenset(codes | expected_geometry(truth)))
            built.append((case, corpus.jpeg(rgb), truth))
        # The same white-backdrop photo, for a campaign of a province that allows white.
        rgb, truth = corpus.compose(person, **base, **_backdrop("white"))
        case = Case(f"{person}-white-allowed", person, base, "white", frozenset(), backgrounds=("blue", "white"))
        built.append((case, corpus.jpeg(rgb), truth))
        # The photograph's own background: not a plain blue backdrop, whatever else is right.
        rgb, truth = corpus.compose(person, **base, original=True)
        case = Case(f"{person}-original", person, base, "original", frozenset({"background"}))
        built.append((case, corpus.jpeg(rgb), truth))
    return built
