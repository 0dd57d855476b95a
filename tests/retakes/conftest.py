import io

import numpy as np
import pytest
from PIL import Image

from . import corpus


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """The test corpus: name -> file bytes. Built once per session (GrabCut takes about a second)."""
    good, _ = corpus.compose()
    out: dict[str, bytes] = {"pass": corpus.jpeg(good)}

    def variant(name, **kwargs):
        out[name] = corpus.jpeg(corpus.compose(**kwargs)[0])

    variant("head_too_high", head_top=25)
    variant("head_too_low", head_top=125)
    variant("eyes_too_low", scale=2.6, head_top=90)
    variant("face_too_small", scale=1.6, head_top=80)
    variant("face_too_large", scale=3.4, head_top=55)
    variant("off_centre", centre_x=310)
    variant("slightly_off_centre", centre_x=255)
    variant("grey_background", background=corpus.solid((128, 128, 128)))
    variant("light_blue_background", background=corpus.solid((120, 205, 250)))
    variant("gradient_background", background=corpus.vertical_gradient((100, 197, 255), (40, 110, 190)))
    variant("shadowed_background", background=corpus.shadowed(side="left"))
    variant("noisy_background", background=corpus.noisy())
    out["no_face"] = corpus.jpeg(corpus.noisy(sigma=3).astype(np.uint8), quality=95)
    out["two_faces"] = corpus.jpeg(corpus.two_people())
    out["too_small_file"] = corpus.jpeg(good, quality=30)
    # Bytes after the JPEG's end marker are ignored by decoders: a valid photo that is simply too big.
    out["too_big_file"] = out["pass"] + b"\0" * (2 * 1024 * 1024)
    out["double_size"] = corpus.jpeg(np.asarray(Image.fromarray(good).resize((960, 1280), Image.LANCZOS)))
    out["landscape"] = corpus.jpeg(corpus.compose(size=(640, 480), head_top=30, scale=1.5)[0])
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
