"""Real QR images for the 采集码 tests, drawn with segno (requirements-dev.txt)."""

import io

import segno
from PIL import Image, ImageFilter

# Like CHSI's payload: long, opaque and mixed-case (the real one is ciphertext only the photo
# service decrypts); the exact format does not matter to the school, which only compares it.
PAYLOAD = "CHSI1:q8ZrT2vLmXa9Pk4WdE7sN0bYh3JcF6uG5tRwQy1iOoVxBnMlKjHgSfDaPzXcVbNm=="
OTHER_PAYLOAD = "CHSI1:Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1HgFeDcBa0zyXWvuTsRqPoNmLkJiHgFeDcBa9=="


def qr_image(payload: str = PAYLOAD, *, scale: int = 8) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def saved_png(payload: str = PAYLOAD) -> bytes:
    """What 长按保存 gives: the code itself, crisp."""
    return _encode(qr_image(payload), "PNG")


def photo_jpeg(payload: str = PAYLOAD) -> bytes:
    """A phone photo: the code small, off-centre in a larger, slightly grey canvas, as JPEG."""
    canvas = Image.new("RGB", (1600, 2000), (236, 236, 232))
    code = qr_image(payload, scale=5)
    canvas.paste(code, (420, 700))
    return _encode(canvas.filter(ImageFilter.GaussianBlur(0.6)), "JPEG", quality=82)


def blurred_screenshot(payload: str = PAYLOAD) -> bytes:
    """A thumbnail of a screenshot: shrunk below one pixel per module and blurred; it does not scan."""
    code = qr_image(payload, scale=2)
    small = code.resize((code.width // 3, code.height // 3), Image.BILINEAR)
    return _encode(small.filter(ImageFilter.GaussianBlur(1.2)).resize((code.width, code.height)), "PNG")


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
