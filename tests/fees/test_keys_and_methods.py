"""Issue 11, items 1 and 2: a form cannot claim the server's idempotency keys, and only the signed
platform notice records platform money."""

import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from capture_day.services import check_in
from fees import remittances, services
from fees.callback import signature_for
from fees.models import CallbackLog, CallbackStatus, Entry, Kind, Method
from sessions_app.models import Capture
from tests.factories import make_desk_operator, make_slot, make_student, make_user

from .conftest import capture, key, uncapture

SECRET = "test-callback-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.FEES_CALLBACK_SECRET = SECRET


def entry_url(campaign) -> str:
    return reverse("fees:entry") + f"?campaign={campaign.code}"


def callback(client, body: dict, *, signed: bool = True, addr: str = "10.0.0.1"):
    raw = json.dumps(body).encode()
    headers = {"HTTP_X_SIGNATURE": signature_for(raw, SECRET if signed else "wrong")} if signed is not None else {}
    return client.post("/fees/callback/", data=raw, content_type="application/json", REMOTE_ADDR=addr, **headers)


def notice(student, **overrides) -> dict:
    data = {
        "transaction_id": "P202011200001",
        "student_no": student.student_no,
        "campaign": student.campaign.code,
        "amount": "17.00",
        "paid_at": "2020-11-20T10:15:00+08:00",
        "method": "campus_platform",
    }
    data.update(overrides)
    return data


# --- 1. idempotency keys --------------------------------------------------------------------


def test_a_form_cannot_claim_the_undo_key_of_a_capture(client, captured, coordinator, campaign):
    the_capture = Capture.objects.get(student=captured)
    client.force_login(coordinator)
    response = client.post(
        entry_url(campaign),
        {
            "student": captured.pk,
            "amount": "0.01",
            "method": "cash",
            "idempotency_key": f"uncharge:capture:{the_capture.pk}",
        },
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400 and "提交编号无效" in response.json()["error"]
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    # Staff undo still cancels the charge.
    uncapture(the_capture)
    assert Entry.objects.filter(kind=Kind.REVERSAL, reversed_kind=Kind.CHARGE).count() == 1


def test_a_client_token_never_equals_a_server_key(coordinator):
    token = key()
    made = services.client_key(user=coordinator, form="payment", token=token)
    assert made.startswith(f"client:{coordinator.pk}:payment:")
    for prefix in ("charge:", "uncharge:", "platform:", "import:"):
        assert not made.startswith(prefix)
    with pytest.raises(services.FeeError) as refused:
        services.client_key(user=coordinator, form="payment", token="charge:capture:1")
    assert refused.value.code == "bad_key"


def test_the_next_capture_is_charged_whatever_a_coordinator_sent(client, student, coordinator, campaign):
    """The reproduction: ¥0.01 payments keyed `charge:capture:<n>` made the next swipes answer 500."""
    client.force_login(coordinator)
    next_ids = range(1, 30)
    for n in next_ids:
        client.post(
            entry_url(campaign),
            {"student": student.pk, "amount": "0.01", "method": "cash", "idempotency_key": f"charge:capture:{n}"},
        )
    assert not Entry.objects.filter(idempotency_key__startswith="charge:", kind=Kind.PAYMENT).exists()
    slot = make_slot(campaign, group="金石滩第一组")
    result = check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=make_desk_operator(slot))
    assert result.capture is not None
    assert Entry.objects.filter(kind=Kind.CHARGE, account__student=student).count() == 1


def test_a_client_key_is_bound_to_its_user_and_form(client, campaign, college, coordinator):
    """One token sent by two coordinators, or to two forms, is two submissions, not one replayed."""
    a, b = make_student(campaign, college), make_student(campaign, college)
    capture(a)
    capture(b)
    second_coordinator = make_user(Role.COORDINATOR)
    second_coordinator.colleges.add(college)
    token = key()
    client.force_login(coordinator)
    first = client.post(
        entry_url(campaign),
        {"student": a.pk, "amount": "5", "method": "cash", "idempotency_key": token},
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    client.force_login(second_coordinator)
    second = client.post(
        entry_url(campaign),
        {"student": b.pk, "amount": "5", "method": "cash", "idempotency_key": token},
        HTTP_X_REQUESTED_WITH="fetch",
    ).json()
    assert first["ok"] and first["created"] and second["ok"] and second["created"], (first, second)
    assert first["entry"] != second["entry"]
    # The same token to the refund form of the first coordinator's student is a refund, not a replay.
    client.force_login(coordinator)
    client.post(
        reverse("fees:refund", args=[a.pk]), {"amount": "1", "method": "cash", "note": "多收", "idempotency_key": token}
    )
    assert Entry.objects.filter(kind=Kind.REFUND, account__student=a).count() == 1


def test_a_form_cannot_preclaim_a_platform_transaction(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    client.post(
        entry_url(campaign),
        {"student": captured.pk, "amount": "0.01", "method": "cash", "idempotency_key": "platform:P202011200001"},
    )
    response = callback(client, notice(captured))
    assert response.status_code == 200 and response.json()["status"] == "posted"
    entry = Entry.objects.get(kind=Kind.PAYMENT)
    assert entry.amount == 17 and entry.method == Method.CAMPUS_PLATFORM


# --- 2. who may post what ----------------------------------------------------------------------


def test_a_coordinator_choosing_the_platform_is_refused(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    response = client.post(
        entry_url(campaign),
        {"student": captured.pk, "amount": "17", "method": "campus_platform", "idempotency_key": key()},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    page = client.get(reverse("fees:entry"), {"campaign": campaign.code, "q": captured.student_no}).content.decode()
    assert "校园统一支付平台" not in page
    with pytest.raises(services.FeeError) as refused:
        services.post_payment(
            student=captured, amount="17", method=Method.CAMPUS_PLATFORM, actor=coordinator, idempotency_key=key()
        )
    assert refused.value.code == "platform_only"
    with pytest.raises(services.FeeError):
        services.mark_paid(students=[captured], method=Method.CAMPUS_PLATFORM, actor=coordinator, idempotency_key=key())
    with pytest.raises(services.FeeError):  # nor by the command-line import (actor None)
        services.post_payment(
            student=captured, amount="17", method=Method.CAMPUS_PLATFORM, actor=None, idempotency_key=key()
        )


def test_a_platform_refund_is_for_staff_only(captured, coordinator):
    services.post_platform_payment(student=captured, amount="17", transaction_id="P1", paid_at=timezone.now())
    with pytest.raises(services.FeeError):
        services.post_refund(
            student=captured,
            amount="17",
            method=Method.CAMPUS_PLATFORM,
            actor=coordinator,
            idempotency_key=key(),
            note="x",
        )


def test_a_notice_saying_cash_is_recorded_as_platform_money(client, captured, coordinator, campaign, college):
    response = callback(client, notice(captured, method="cash"))
    assert response.status_code == 200, response.content
    entry = Entry.objects.get(kind=Kind.PAYMENT)
    assert entry.method == Method.CAMPUS_PLATFORM
    # So the college has nothing to remit for it.
    with pytest.raises(services.FeeError):
        remittances.create_remittance(campaign=campaign, college=college, actor=coordinator, idempotency_key=key())


@pytest.mark.parametrize(
    "paid_at",
    [
        "two days from now",
        "2019-01-01T10:00:00+08:00",  # long before the campaign's first capture day (2020-11-26)
        "1970-01-01T00:00:00+00:00",
    ],
)
def test_paid_at_outside_a_sane_window_is_refused(client, captured, paid_at):
    # The future one is made when the test runs: a collected id must not change between runs.
    if paid_at == "two days from now":
        paid_at = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = callback(client, notice(captured, paid_at=paid_at))
    assert response.status_code == 400 and response.json()["code"] == "bad_paid_at", response.content
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def fresh_address() -> str:
    """An address no earlier run has counted (with REDIS_URL the counters outlive a test)."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


def test_unsigned_junk_is_rate_limited_per_address(client, captured, monkeypatch):
    # The counter's minute must not run out while a loaded test machine sends the 40 calls.
    monkeypatch.setattr("fees.callback.BAD_SIGNATURE_WINDOW_SECONDS", 3600)
    first, second = fresh_address(), fresh_address()
    codes = [callback(client, notice(captured), signed=False, addr=first).status_code for _ in range(40)]
    assert codes[:10] == [403] * 10 and set(codes[10:]) == {429}
    assert CallbackLog.objects.count() == 10
    # Another address is not blocked by the first, and a signed notice from the first still posts.
    assert callback(client, notice(captured), signed=False, addr=second).status_code == 403
    assert callback(client, notice(captured), addr=first).json()["status"] == "posted"


def test_unsigned_junk_does_not_grow_the_log_without_bound(client, captured, settings):
    for _ in range(260):
        callback(client, notice(captured), signed=False, addr=fresh_address())
    assert CallbackLog.objects.filter(status=CallbackStatus.BAD_SIGNATURE).count() == 100
    # Older than a week: pruned by the next unsigned call.
    CallbackLog.objects.update(received_at=timezone.now() - datetime.timedelta(days=8))
    callback(client, notice(captured), signed=False, addr=fresh_address())
    assert CallbackLog.objects.filter(status=CallbackStatus.BAD_SIGNATURE).count() == 1
