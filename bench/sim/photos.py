"""Retake photo uploads in the load: counselors and students open retake requests and upload
electronic photos built from the real face corpus (tests/retakes/data), some twice at once and
some replaced by a newer one; every stored photo must be checked by the worker exactly once."""

import io
import random
import threading
import time
import uuid

from PIL import Image

from .load import CAMPAIGN
from .stack import ROOT, Browser, until_answered

FACES = sorted((ROOT / "tests" / "retakes" / "data").glob("*.jpg"))


def photo(rng: random.Random) -> bytes:
    """A real face, cropped and scaled at random so that every upload is different bytes."""
    with Image.open(rng.choice(FACES)) as image:
        image = image.convert("RGB")
        width, height = image.size
        dx, dy = int(width * rng.uniform(0, 0.08)), int(height * rng.uniform(0, 0.08))
        image = image.crop((dx, dy, width - dx, height - dy))
        scale = 640 / max(image.size) * rng.uniform(0.8, 1.0)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=rng.randint(80, 92))
        return out.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(browser: Browser, retake_id: int, data: bytes):
    # A note, so that a photo failing the check is still stored (and checked by the worker).
    body, content_type = multipart({"note": "模拟上传"}, {"photo": ("photo.jpg", data)})
    return until_answered(
        browser.request,
        "POST",
        f"/retakes/{retake_id}/photo/",
        body=body,
        headers={"Content-Type": content_type, "Content-Length": str(len(body))},
    )


def open_request(stack, browser: Browser, student_no: str, *, for_student: bool) -> int | None:
    """The student's open retake request (a new one, or the one a resend or a fault left open)."""
    form = {"reason": "internship", "channel": "online", "reason_detail": "", "note": ""}
    if not for_student:
        form["student_no"] = student_no
    browser.get(f"/retakes/new/?campaign={CAMPAIGN}")
    until_answered(browser.post, f"/retakes/new/?campaign={CAMPAIGN}", form)
    rows = stack.q(
        "SELECT r.id FROM retakes_retakerequest r JOIN sessions_app_student s ON s.id = r.student_id"
        " JOIN sessions_app_campaign c ON c.id = s.campaign_id"
        " WHERE s.student_no = %s AND c.code = %s AND r.status NOT IN ('done', 'cancelled')",
        student_no,
        CAMPAIGN,
    )
    return rows[0][0] if rows else None


def uploader(stack, recorder, username, student_nos, rng, answers, stop):
    """One counselor (for several students) or one student (for themself)."""
    browser = Browser(stack.port, recorder)
    browser.login(username)
    for student_no in student_nos:
        if stop.is_set():
            return
        retake_id = open_request(stack, browser, student_no, for_student=username == student_no)
        if retake_id is None:
            answers["photo_problems"].append(f"{username}: no open request for {student_no}")
            continue
        browser.get(f"/retakes/{retake_id}/")
        data = photo(rng)
        draw = rng.random()
        if draw < 0.3:
            # The same upload twice at once (a double click through a proxy's retry).
            twin = Browser(stack.port, recorder)
            twin.cookies = dict(browser.cookies)
            other = threading.Thread(
                target=lambda b=twin, r=retake_id, d=data: answers["uploads"].append(upload(b, r, d)[0])
            )
            other.start()
            answers["uploads"].append(upload(browser, retake_id, data)[0])
            other.join()
        else:
            answers["uploads"].append(upload(browser, retake_id, data)[0])
        if draw > 0.6:
            time.sleep(rng.uniform(0.5, 2))
            answers["uploads"].append(upload(browser, retake_id, photo(rng))[0])  # a better photo replaces it
        time.sleep(rng.uniform(0.5, 1.5))
