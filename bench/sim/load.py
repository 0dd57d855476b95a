"""The campaign day's users: desks, the payment platform, a coordinator, staff (exports)."""

import datetime
import hashlib
import hmac
import json
import threading
import time
import uuid
import zoneinfo

from .stack import Browser, until_answered

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CAMPAIGN = "2021"


# --- load -----------------------------------------------------------------------------------


def guarded(target, answers):
    """A client that crashes is a failed run, not a quiet thread."""

    def run(*args):
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001 - reported as an invariant break
            answers["crashes"].append(f"{target.__name__}: {exc!r}")
            raise

    return run


def desk(stack, recorder, slot_id, students, rng, answers, stop):
    browser = Browser(stack.port, recorder)
    browser.login("desk_jst1")
    path = f"/capture/desk/{slot_id}/"
    browser.get(path)

    def send(client, data):
        status, body = until_answered(client.post, path + "swipe/", data, json_answer=True)
        answer = {}
        if status == 200:
            answer = json.loads(body)
            answers["swipes"].append((data["code"], answer["outcome"]))
            answers["nonces"].append((data["nonce"], answer["outcome"], answer.get("capture_id")))
        return status, answer

    for student_no in students:
        if stop.is_set():
            return
        data = {"code": student_no, "nonce": str(uuid.uuid4())}
        duplicate = rng.random()
        if duplicate < 0.1:
            # Duplicated in flight (a proxy's retry): the same swipe twice at once, two connections.
            twin = Browser(stack.port, recorder)
            twin.cookies = dict(browser.cookies)
            other = threading.Thread(target=send, args=(twin, data))
            other.start()
            status, answer = send(browser, data)
            other.join()
        else:
            status, answer = send(browser, data)
            if duplicate < 0.2:  # resent later, as the desk's queue does after a lost answer
                status, answer = send(browser, data)
        if answer.get("undo_url") and rng.random() < 0.15:
            # Reordered: the operator undoes the swipe (wrong card), and only then does the
            # swipe's resend arrive (queued while offline). It must answer as the first time and
            # capture nobody again.
            undo_status, _ = until_answered(
                browser.post, answer["undo_url"], {"reason": "刷错卡（模拟）"}, json_answer=True
            )
            answers["undone"].append((data["nonce"], answer["capture_id"], undo_status, student_no))
            status, _ = send(browser, data)
        if status == 403:  # a session lost to a fault: log in again
            browser.login("desk_jst1")
            browser.get(path)
        time.sleep(rng.uniform(0.2, 0.8))


def platform(stack, recorder, student_nos, rng, answers, stop, count):
    browser = Browser(stack.port, recorder)
    sent: list[tuple[str, bytes, dict]] = []

    def notify(tid, payload, headers):
        status, body = until_answered(browser.request, "POST", "/fees/callback/", body=payload, headers=headers)
        answer = json.loads(body) if body else {}
        answers["callbacks"].append((tid, status, answer.get("status"), answer.get("entry")))

    for _ in range(count):
        if stop.is_set():
            return
        tid = f"SIM-{uuid.uuid4().hex[:16]}"
        payload = json.dumps({
            "transaction_id": tid, "student_no": rng.choice(student_nos), "campaign": CAMPAIGN, "amount": "17.00",
            "paid_at": datetime.datetime.now(SHANGHAI).isoformat(timespec="seconds"), "method": "campus_platform",
        }).encode()  # fmt: skip
        signature = "sha256=" + hmac.new(stack.callback_secret.encode(), payload, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Signature": signature}
        draw = rng.random()
        if draw < 0.15:
            # Duplicated in flight: the platform's two notifications of one payment race each other.
            twin = threading.Thread(target=notify, args=(tid, payload, headers))
            twin.start()
            notify(tid, payload, headers)
            twin.join()
        else:
            notify(tid, payload, headers)
            if draw < 0.3:  # the platform notifies twice
                notify(tid, payload, headers)
        if sent and rng.random() < 0.3:
            # Reordered: an earlier payment's notification arrives again after later ones.
            notify(*rng.choice(sent))
        sent.append((tid, payload, headers))
        time.sleep(rng.uniform(0.3, 1.2))


def staff(stack, recorder, rng, answers, stop, count):
    browser = Browser(stack.port, recorder)
    browser.login("jwc")
    # Today's reminder run (SMS to the overdue 2021 students), clicked twice: the worker sends
    # while the faults strike, and nobody may get the same SMS twice.
    for _ in range(2):
        browser.get(f"/verification/?campaign={CAMPAIGN}")
        # The button asks first (notifications/bulk.py); the confirmed form starts the job.
        status, _ = until_answered(browser.post, f"/verification/reminders/send/?campaign={CAMPAIGN}", {"confirm": "1"})
        answers["exports"].append(("reminders", status))
    for _ in range(count):
        if stop.is_set():
            return
        browser.get(f"/capture/staff/?campaign={CAMPAIGN}")
        name = rng.choice(["roster", "attendance", "fees"])
        status, headers, _ = browser.post(f"/exports/{name}/?campaign={CAMPAIGN}")
        answers["exports"].append((name, status))
        time.sleep(rng.uniform(2, 5))
