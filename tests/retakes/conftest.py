import datetime
import io

import numpy as np
import pytest
from django.core.cache import cache
from PIL import Image

from accounts.models import Role
from tests.factories import make_campaign, make_college, make_student, make_user

from . import corpus


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """Named photos of one person (Eileen Collins) for the flow tests: name -> file bytes. Built once per session."""
    good, _ = corpus.compose()
    out: dict[str, bytes] = {"pass": corpus.jpeg(good)}

    def variant(name, **kwargs):
        out[name] = corpus.jpeg(corpus.compose(**kwargs)[0])

    variant("head_too_high", head_top=25)
    variant("head_too_low", head_top=125)
    variant("eyes_too_low", face_width=250, head_top=90)
    variant("face_too_small", face_width=144, head_top=85)
    variant("face_too_large", face_width=320, head_top=55)
    variant("off_centre", centre_x=310)
    variant("slightly_off_centre", centre_x=255)
    variant("grey_background", background=corpus.solid((128, 128, 128)))
    variant("white_background", background=corpus.solid((250, 250, 250)))
    variant("light_blue_background", background=corpus.solid((120, 205, 250)))
    variant("gradient_background", background=corpus.vertical_gradient((100, 197, 255), (40, 110, 190)))
    variant("shadowed_background", shadow=("left", 0.6))
    variant("noisy_background", background=corpus.noisy())
    out["no_face"] = corpus.jpeg(corpus.noisy(sigma=3).astype(np.uint8), quality=95)
    out["two_faces"] = corpus.jpeg(corpus.two_people())
    out["too_small_file"] = corpus.jpeg(good, quality=5)
    # Bytes after the JPEG's end marker are ignored by decoders: a valid photo that is simply too big.
    out["too_big_file"] = out["pass"] + b"\0" * (2 * 1024 * 1024)
    out["double_size"] = corpus.jpeg(np.asarray(Image.fromarray(good).resize((960, 1280), Image.LANCZOS)))
    out["landscape"] = corpus.jpeg(corpus.compose(size=(640, 480), head_top=30, face_width=135)[0])
    # A 12-megapixel phone photo of a correctly framed person (the standard's framing, 6.3x larger).
    phone, _ = corpus.compose(size=(3024, 4032), face_width=200 * 6.3, head_top=70 * 6.3)
    out["phone_photo"] = corpus.jpeg(phone, quality=90)
    out["png"] = corpus.png(Image.fromarray(good))
    alpha = np.where((good == np.array(corpus.XINHUA_BLUE)).all(axis=2), 0, 255).astype(np.uint8)
    out["png_transparent"] = corpus.png(Image.fromarray(np.dstack([good, alpha]), "RGBA"))
    buffer = io.BytesIO()
    Image.fromarray(good).convert("CMYK").save(buffer, "JPEG", quality=92)
    out["cmyk"] = buffer.getvalue()
    # A phone photo: pixels stored sideways, EXIF orientation 6 says "rotate 90° clockwise to view".
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.fromarray(good).rotate(90, expand=True).save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    out["exif_rotated"] = buffer.getvalue()
    frames = [Image.fromarray(good).convert("P"), Image.fromarray(corpus.two_people()).convert("P")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)
    out["animated_gif"] = buffer.getvalue()
    out["empty"] = b""
    out["text_as_jpg"] = ("这不是照片，只是改了扩展名的文本文件。\n" * 40).encode()
    out["truncated"] = out["pass"][: len(out["pass"]) // 2]
    # 20000 x 20000 one-bit pixels: 48 KB on disk, 400 megapixels (1.2 GB as RGB) if decoded.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    out["bomb"] = buffer.getvalue()
    # Below Pillow's own bomb limit but above ours: only our cap stops it.
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, "PNG")
    out["bomb_small"] = buffer.getvalue()
    return out


# --- database fixtures -----------------------------------------------------------------

DEADLINE = datetime.date(2021, 3, 31)


@pytest.fixture
def campaign(db):
    return make_campaign(
        code="bk2021",
        name="2021届本科毕业生图像采集",
        retake_deadline=DEADLINE,
        retake_centre_address="沈阳市浑南区浑南二路1号新华国际公寓D座1-1门店",
        online_channel_name="新华社辽宁图像采集中心",
    )


@pytest.fixture
def college(db):
    return make_college("计算机科学与工程学院")


@pytest.fixture
def other_college(db):
    return make_college("经济管理学院")


@pytest.fixture
def staff(db):
    return make_user(Role.STAFF, display_name="教务处王老师")


@pytest.fixture
def counselor(db):
    return make_user(Role.COUNSELOR, display_name="李辅导员")


@pytest.fixture
def other_counselor(db):
    return make_user(Role.COUNSELOR, display_name="赵辅导员")


@pytest.fixture
def student_user(db):
    return make_user(Role.STUDENT, display_name="张三")


@pytest.fixture
def student(campaign, college, counselor, student_user):
    return make_student(
        campaign, college, name="张三", counselor=counselor, user=student_user, email="zs@example.edu.cn"
    )


@pytest.fixture
def other_student(campaign, other_college, other_counselor):
    other_user = make_user(Role.STUDENT, display_name="李四")
    return make_student(campaign, other_college, name="李四", counselor=other_counselor, user=other_user)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The self-check throttle counts in the cache; user ids repeat between tests.
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Real PBKDF2 costs a quarter second per user; these tests are about retakes, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
