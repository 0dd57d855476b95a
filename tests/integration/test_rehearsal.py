"""The production rehearsal: the deployed stack started as docker-compose starts it, driven over HTTP.

gunicorn with the production settings (DEBUG off, HTTPS behind a proxy, collected static files
through WhiteNoise), a Celery worker and Celery beat as separate processes, each started by
deploy/run exactly as compose starts them, on the machine's PostgreSQL and a Redis server of
the rehearsal's own (so stopping it disturbs nobody else's). Then the faults: the database
drops every connection; Redis stops (the desk and an upload still answer, /healthz says 503)
and starts again (the check asked for meanwhile completes).
"""

import datetime
import hashlib
import hmac
import json
import re
import shutil
import threading
import uuid
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from photocapture.beat import SWEEPERS
from tests import deployed_stack
from tests.deployed_stack import PASSWORD, DeployedStack

pytestmark = [pytest.mark.postgres, pytest.mark.rehearsal]

ROOT = Path(settings.BASE_DIR)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
STUDENT_NO = re.compile(r"\b2017\d{7}\b")


def _without_sweeps(log_text: str) -> str:
    """A log without the sweepers' every-3-seconds lines, which would push what matters out of the tail
    (all of beat's SWEEPERS: `jobs.expire_files` alone filled the tails of a failed CI run)."""
    return "\n".join(line for line in log_text.splitlines() if not any(name in line for name in SWEEPERS))


def wait_for(predicate, *, timeout: float, what: str, logs=()):
    return deployed_stack.wait_for(predicate, timeout=timeout, what=what, logs=logs, quiet=_without_sweeps)


class Browser(deployed_stack.Browser):
    """One user of the rehearsal: a reset connection fails the test."""

    def follow(self, path):
        for _ in range(5):
            status, headers, text = self.get(path)
            if status not in (301, 302):
                return status, text
            path = urlsplit(headers["Location"]).path or "/"
        return status, text

    def login(self, username):
        self.get("/accounts/login/")
        status, headers, text = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302, f"{username} could not log in: {status} {text[:500]}"
        status, page = self.follow("/")
        assert status == 200, f"{username}'s home page: {status}"
        return page

    def upload(self, path, field, filename, data: bytes):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n".encode()
            + data
            + b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n\r\n'.encode(),
            f"--{boundary}--\r\n".encode(),
        ]
        return self.request(
            "POST", path, body=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


def rehearsal_stack(tmp: Path) -> DeployedStack:
    """On the test database's server, in a database of the rehearsal's own."""
    base = settings.DATABASES["default"]
    db = {
        "host": base.get("HOST") or "127.0.0.1",
        "port": base.get("PORT") or 5432,
        "user": base.get("USER") or "postgres",
        "password": base.get("PASSWORD") or "",
    }
    return DeployedStack(tmp, db=db, dbname=f"{base['NAME'].removeprefix('test_')}_rehearsal")


@pytest.fixture
def stack(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("the rehearsal needs redis-server (apt-get install redis-server)")
    stack = rehearsal_stack(tmp_path)
    stack.sql(f'DROP DATABASE IF EXISTS "{stack.dbname}" WITH (FORCE)')
    stack.sql(f'CREATE DATABASE "{stack.dbname}"')
    supervisor = threading.Thread(target=stack.supervise, daemon=True)
    try:
        stack.start_redis()
        supervisor.start()
        yield stack
    finally:
        stack.stopping.set()
        if supervisor.is_alive():
            supervisor.join(timeout=5)
        stack.stop_all()
        stack.sql(f'DROP DATABASE IF EXISTS "{stack.dbname}" WITH (FORCE)')


def soon_in_shanghai() -> datetime.datetime:
    """A wall-clock minute beat has surely started before (a crontab whose minute began before
    beat started fires only the next day): three minutes leave room for a slow start on a loaded
    machine; the test waits for the reminder counting from that minute."""
    at = datetime.datetime.now(SHANGHAI) + datetime.timedelta(minutes=3)
    return at.replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def passing_photo() -> bytes:
    from tests.retakes import corpus

    return corpus.jpeg(corpus.compose()[0])


def test_production_rehearsal(stack, passing_photo):
    # --- start: web (migrate, collectstatic, gunicorn), demo data, worker, beat ------------
    stack.start("web", ["sh", "deploy/run", "web"])
    wait_for(lambda: stack.healthz() == 200, timeout=300, what="gunicorn to answer /healthz", logs=stack.logs())
    # The demo's first slots were captured in 2020, so their students are long overdue on CHSI:
    # the verification reminder that beat's schedule triggers today has someone to tell.
    # --no-current: 2021 alone, the campaign this rehearsal dates and pays into (the callback says
    # "2021"); with the live demo's this-year campaign, pages would open on that one instead.
    seeded = stack.manage("seed_demo", "--size", "0.03", "--no-current")
    student_login = re.findall(r"用户名 (\S+)", seeded)[-1]
    reminder_at = soon_in_shanghai()
    # Beat names the hourly entry; the worker that runs it picks that hour's rules, so both read
    # the same REMINDER_HOURS, as every process of a deployment shares one environment.
    hours = {"REMINDER_HOURS": f"verification.deadline={reminder_at:%H}"}
    stack.start("worker", ["sh", "deploy/run", "worker"], **hours)
    stack.start("beat", ["sh", "deploy/run", "beat"], REMINDER_BEAT_MINUTE=f"{reminder_at:%M}", **hours)
    wait_for(
        lambda: "ready." in stack.log("worker").read_text(errors="replace"),
        timeout=120,
        what="the worker",
        logs=stack.logs(),
    )

    anonymous = Browser(stack.port)
    status, _, body = anonymous.get("/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, headers, login_page = anonymous.get("/accounts/login/")
    assert status == 200 and "Content-Security-Policy" in headers and "Strict-Transport-Security" in headers
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', login_page)
    assert css, "the page does not link the collected (hashed) stylesheet"
    status, headers, _ = anonymous.get(css.group(1))
    assert status == 200 and "max-age" in headers["Cache-Control"]  # WhiteNoise, immutable file
    status, headers, _ = anonymous.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301 and headers["Location"].startswith("https://")  # plain HTTP is redirected

    # --- each role logs in --------------------------------------------------------------
    staff, coordinator, counselor, operator, student = (Browser(stack.port) for _ in range(5))
    staff.login("jwc")
    staff_health = json.loads(staff.get("/healthz")[2])
    assert staff_health["broker"]["ok"] and staff_health["database"]["ok"]
    coordinator.login("coord_cs")
    counselor_page = counselor.login("counselor_cs")
    desk_index = operator.login("desk_jst1")
    student.login(student_login)

    cs_students = set(STUDENT_NO.findall(counselor_page))
    desk_path, at_desk = None, []
    for slot_id in sorted(set(re.findall(r'href="/capture/desk/(\d+)/"', desk_index))):
        # The operator's own sheet masks student numbers (issue 25): staff read the same sheet whole.
        status, sheet = staff.follow(f"/capture/slots/{slot_id}/signin/")
        here = sorted(set(STUDENT_NO.findall(sheet)) & cs_students - {student_login})
        if status == 200 and len(here) >= 5:
            desk_path, at_desk, retake_students = f"/capture/desk/{slot_id}/", here[:3], here[3:5]
            break
    assert desk_path, "no desk of desk_jst1 has five computer-science students"
    # A desk opens only on its group's capture days (issue 11): the rehearsal is that day, so the
    # group's slots move to today in Shanghai, as staff would date a campaign being shot now.
    stack.sql(
        "UPDATE sessions_app_slot SET date = %s"
        " WHERE group_id = (SELECT group_id FROM sessions_app_slot WHERE id = %s)",
        datetime.datetime.now(SHANGHAI).date(),
        int(desk_path.strip("/").split("/")[-1]),
        dbname=stack.dbname,
    )

    # --- a desk swipe ---------------------------------------------------------------------
    def swipe(student_no):
        operator.get(desk_path)
        status, _, body = operator.post(desk_path + "swipe/", {"code": student_no}, json_answer=True)
        assert status == 200, body[:500]
        return json.loads(body)

    assert swipe(at_desk[0])["outcome"] == "captured"
    assert swipe(at_desk[1])["outcome"] == "captured"

    # --- a coordinator payment ---------------------------------------------------------
    coordinator.get("/fees/entry/")
    # By POST: a swiped ID number must not land in the access log (issue 11).
    status, _, body = coordinator.post("/fees/lookup/", {"q": at_desk[0]}, json_answer=True)
    assert status == 200, body
    card = json.loads(body)
    status, _, body = coordinator.post(
        "/fees/entry/",
        {
            "student": card["student"]["id"],
            "amount": "17.00",
            "method": "cash",
            "idempotency_key": card["key"],
            "note": "",
        },
        json_answer=True,
    )
    assert status == 200 and json.loads(body)["created"] is True, body[:500]

    # --- a signed platform callback ------------------------------------------------------
    payload = json.dumps({
        "transaction_id": f"R-{uuid.uuid4().hex[:12]}", "student_no": at_desk[1], "campaign": "2021",
        "amount": "17.00", "paid_at": datetime.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
        "method": "campus_platform",
    }).encode()  # fmt: skip
    signature = hmac.new(stack.callback_secret.encode(), payload, hashlib.sha256).hexdigest()
    status, _, body = anonymous.request(
        "POST", "/fees/callback/", body=payload,
        headers={"Content-Type": "application/json", "X-Signature": f"sha256={signature}"},
    )  # fmt: skip
    assert (status, json.loads(body)["status"]) == (200, "posted"), body

    # --- a retake photo upload that the worker checks ------------------------------------
    def new_retake(student_no) -> str:
        counselor.get("/retakes/new/")
        status, headers, body = counselor.post(
            "/retakes/new/", {"student_no": student_no, "reason": "abroad", "channel": "proxy", "note": ""}
        )
        assert status == 302, body[:1000]
        return urlsplit(headers["Location"]).path

    first, second = new_retake(retake_students[0]), new_retake(retake_students[1])

    def upload(detail):
        counselor.get(detail)
        status, _, body = counselor.upload(detail + "photo/", "photo", "照片.jpg", passing_photo)
        assert status == 302, f"upload answered {status}: {body[:500]}"

    def checked(detail):
        return "检查通过" in counselor.get(detail)[2]

    upload(first)
    wait_for(lambda: checked(first), timeout=120, what="the worker's photo check", logs=stack.logs())

    # --- a reminder that beat triggers and the worker delivers -------------------------
    sms = Path(stack.env["SMS_FILE_PATH"])
    wait_for(
        lambda: sms.exists() and "学信网" in sms.read_text(),
        timeout=max((reminder_at - datetime.datetime.now(SHANGHAI)).total_seconds(), 0) + 200,
        what=f"beat's reminder due at {reminder_at:%H:%M}",
        logs=stack.logs(),
    )
    assert "notifications.send_reminders_all" in stack.log("beat").read_text()

    # --- the database drops every connection (a restart): the next requests recover ------
    stack.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", stack.dbname)
    for _ in range(4):
        assert staff.get("/capture/staff/")[0] == 200
    assert stack.healthz() == 200

    # --- Redis stops: the desk and an upload still answer; /healthz says 503 ------------
    stack.stop("redis")
    assert not stack.redis_up()
    assert stack.healthz() == 503
    assert anonymous.get("/healthz")[2] == '{"status": "unavailable"}'
    assert swipe(at_desk[2])["outcome"] == "captured"
    assert coordinator.login("coord_cs")  # a fresh login with the cache down
    upload(second)
    assert "检查中" in counselor.get(second)[2]

    # --- Redis starts again: the pending check completes ---------------------------------
    stack.start_redis()
    wait_for(lambda: stack.healthz() == 200, timeout=60, what="/healthz back to 200", logs=stack.logs())
    wait_for(
        lambda: checked(second), timeout=180, what="the check left pending while Redis was down", logs=stack.logs()
    )
    # The web server never went down; only the worker may have been restarted by its supervisor.
    assert "web" not in stack.restarts and "beat" not in stack.restarts, stack.restarts
    print(f"rehearsal: processes restarted by the supervisor: {stack.restarts or 'none'}")
    assert "Traceback" not in stack.log("web").read_text(), stack.log("web").read_text()[-5000:]
