"""Money in the load: a coordinator's cash payments, some reversed or refunded, and remittances
that 教务处 confirms and takes back, with the requests duplicated and arriving out of order."""

import json
import re
import threading
import time
import uuid

from .load import CAMPAIGN
from .stack import Browser, until_answered


def resend(send, *args, **kwargs):
    """until_answered, keeping the answer's headers (a redirect's Location says where it went)."""
    for _ in range(40):
        status, headers, body = send(*args, **kwargs)
        if status and status < 500:
            return status, headers, body
        time.sleep(0.5)
    return status, headers, body


def twice_at_once(send, *args, **kwargs):
    """The same request on two connections at once (a proxy's retry); both answers."""
    answers = []
    other = threading.Thread(target=lambda: answers.append(resend(send, *args, **kwargs)))
    other.start()
    answers.append(resend(send, *args, **kwargs))
    other.join()
    return answers


def coordinator(stack, recorder, student_nos, rng, answers, stop, count):
    """Cash payments with one key each; some reversed (and the payment's resend arriving after its
    reversal), some refunded (the refund sent twice at once); then the college's remittances."""
    browser = Browser(stack.port, recorder)
    browser.login("coord_cs")
    browser.get("/fees/entry/")
    for _ in range(count):
        if stop.is_set():
            break
        status, body = until_answered(browser.post, "/fees/lookup/", {"q": rng.choice(student_nos)}, json_answer=True)
        if status != 200:
            continue
        card = json.loads(body)
        if not card.get("student") or not card.get("key"):
            continue
        student_id = card["student"]["id"]
        data = {"student": student_id, "amount": "17.00", "method": "cash", "idempotency_key": card["key"], "note": ""}
        status, body = until_answered(browser.post, "/fees/entry/", data, json_answer=True)
        answers["payments"].append((card["key"], status))
        if status == 400:  # refused: told why (already paid in full, most often)
            answers["payment_refusals"].append(json.loads(body).get("error", "").split("：")[0])
        entry = json.loads(body).get("entry") if status == 200 else None
        draw = rng.random()
        if entry and draw < 0.3:
            key = uuid.uuid4().hex
            form = {"reason": "收错学生（模拟）", "idempotency_key": key}
            twice_at_once(browser.post, f"/fees/entries/{entry}/reverse/", form)
            answers["reversals"].append((entry, key))
            # The payment's own resend, queued behind the reversal: a replay, never a new payment.
            status, body = until_answered(browser.post, "/fees/entry/", data, json_answer=True)
            answers["payments"].append((card["key"], status))
            replay = json.loads(body) if status == 200 else {}
            answers["replays"].append((card["key"], status, replay.get("created"), entry, replay.get("entry")))
        elif entry and draw < 0.5:
            key = uuid.uuid4().hex
            form = {"amount": "17.00", "method": "cash", "note": "重复缴费退回（模拟）", "idempotency_key": key}
            twice_at_once(browser.post, f"/fees/students/{student_id}/refund/", form)
            answers["refunds"].append((student_id, key))
        time.sleep(rng.uniform(0.5, 1.5))
    remittances(stack, recorder, browser, answers)


def remittances(stack, recorder, coordinator_browser, answers):
    """Two remittances of the coordinator's college, each confirmed by 教务处 with its requests
    duplicated and reordered: the first confirmed, taken back, then its confirm resent (after the
    reversal: refused); the second's reversal arriving before its confirm (refused), then the
    confirm sent twice at once (confirmed once)."""
    staff = Browser(stack.port, recorder)
    staff.login("jwc")
    college = stack.q(
        "SELECT uc.college_id FROM accounts_user_colleges uc JOIN accounts_user u ON u.id = uc.user_id"
        " WHERE u.username = 'coord_cs' LIMIT 1"
    )[0][0]
    for order in ("confirm_then_reverse", "reverse_then_confirm"):
        coordinator_browser.get(f"/fees/remittances/?campaign={CAMPAIGN}")
        form = {"college": college, "idempotency_key": uuid.uuid4().hex, "note": ""}
        created = twice_at_once(coordinator_browser.post, f"/fees/remittances/?campaign={CAMPAIGN}", form)
        targets = {re.search(r"/fees/remittances/(\d+)/", h.get("Location") or "") for s, h, b in created if s == 302}
        ids = sorted({int(m.group(1)) for m in targets if m})
        answers["remittance_creates"].append((form["idempotency_key"], ids))
        if len(ids) != 1:
            continue  # nothing to remit (every payment reversed or refunded), or two for one key (a break)
        pk = ids[0]
        amount = stack.q("SELECT amount FROM fees_remittance WHERE id = %s", pk)[0][0]
        confirm = {"received_amount": f"{amount:.2f}", "note": "", "checked": "1"}
        reverse = {"reason": "金额录错（模拟）"}
        base = f"/fees/remittances/{pk}/"
        if order == "confirm_then_reverse":
            twice_at_once(staff.post, base + "confirm/", confirm)
            resend(staff.post, base + "reverse-confirmation/", reverse)
            resend(staff.post, base + "confirm/", confirm)  # the confirm's resend, behind its reversal
        else:
            resend(staff.post, base + "reverse-confirmation/", reverse)  # arrives before the confirm
            twice_at_once(staff.post, base + "confirm/", confirm)
        answers["remittances"].append((pk, order))
