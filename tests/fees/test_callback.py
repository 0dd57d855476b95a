import json
from decimal import Decimal

import pytest
from django.urls import reverse

from fees.callback import signature_for
from fees.models import CallbackLog, CallbackStatus, Entry, FeeAccount, Kind, Method

SECRET = "test-callback-secret"
URL = "/fees/callback/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.FEES_CALLBACK_SECRET = SECRET


def body_for(student, **overrides) -> bytes:
    data = {
        "transaction_id": "P202011200001",
        "student_no": student.student_no,
        "campaign": student.campaign.code,
        "amount": "17.00",
        "paid_at": "2020-11-20T10:15:00+08:00",
        "method": "campus_platform",
    }
    data.update(overrides)
    return json.dumps(data).encode()


def post(client, body: bytes, signature: str | None = "auto"):
    headers = {}
    if signature == "auto":
        headers["HTTP_X_SIGNATURE"] = signature_for(body, SECRET)
    elif signature is not None:
        headers["HTTP_X_SIGNATURE"] = signature
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_url_is_the_documented_one():
    assert reverse("fees:callback") == URL


def test_valid_callback_posts_one_payment(client, captured):
    response = post(client, body_for(captured))
    assert response.status_code == 200 and response.json()["status"] == "posted"
    entry = Entry.objects.get(kind=Kind.PAYMENT)
    assert entry.method == Method.CAMPUS_PLATFORM and entry.posted_by is None
    assert entry.amount == Decimal("17.00") and entry.occurred_at.isoformat().startswith("2020-11-20T02:15")
    assert entry.note == "" and entry.note_code == "platform_payment"
    assert entry.note_data == {"transaction_id": "P202011200001"}
    assert entry.note_display == "支付平台交易号 P202011200001"
    assert FeeAccount.objects.get(student=captured).balance == 0
    log = CallbackLog.objects.get()
    assert log.status == CallbackStatus.POSTED and log.entry == entry and log.transaction_id == "P202011200001"


def test_same_transaction_again_is_200_and_posts_nothing(client, captured):
    body = body_for(captured, amount="10")
    first = post(client, body)
    second = post(client, body)
    assert first.status_code == second.status_code == 200
    assert second.json() == {"status": "duplicate", "entry": first.json()["entry"]}
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 1
    assert CallbackLog.objects.filter(status=CallbackStatus.DUPLICATE).count() == 1


def test_duplicate_with_different_content_is_flagged_for_staff(client, captured):
    post(client, body_for(captured, amount="10"))
    response = post(client, body_for(captured, amount="7"))
    assert response.status_code == 200 and response.json()["status"] == "duplicate"
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 1
    assert "不同" in CallbackLog.objects.filter(status=CallbackStatus.DUPLICATE).get().error


@pytest.mark.parametrize("signature", [None, "", "sha256=00", "sha256=" + "0" * 64, "md5=abc", "garbage"])
def test_bad_or_missing_signature_is_403_and_posts_nothing(client, captured, signature):
    response = post(client, body_for(captured), signature=signature)
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    assert CallbackLog.objects.get().status == CallbackStatus.BAD_SIGNATURE


def test_signature_of_another_body_is_refused(client, captured):
    signature = signature_for(body_for(captured, amount="1"), SECRET)
    response = post(client, body_for(captured, amount="17"), signature=signature)
    assert response.status_code == 403


def test_no_secret_configured_refuses_everything(client, captured, settings):
    settings.FEES_CALLBACK_SECRET = ""
    body = body_for(captured)
    response = client.post(URL, data=body, content_type="application/json", HTTP_X_SIGNATURE=signature_for(body, ""))
    assert response.status_code == 403
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_unknown_student_and_campaign_are_404_json_and_kept(client, captured):
    response = post(client, body_for(captured, student_no="0000000000"))
    assert response.status_code == 404 and response.json()["code"] == "unknown_student"
    response = post(client, body_for(captured, transaction_id="P2", campaign="no-such"))
    assert response.status_code == 404 and response.json()["code"] == "unknown_campaign"
    logs = CallbackLog.objects.filter(status=CallbackStatus.REJECTED)
    assert logs.count() == 2 and "0000000000" in logs.last().raw_body
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_overpayment_is_409_and_kept(client, captured):
    response = post(client, body_for(captured, amount="34.00"))
    assert response.status_code == 409 and "超出应缴金额" in response.json()["error"]
    assert response.json()["code"] == "overpaid"  # the platform branches on the code, not on our words
    assert CallbackLog.objects.get().status == CallbackStatus.REJECTED


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'"x"',
        b"null",
        b"{",
        b"\xff\xfe\x00",
        b'{"transaction_id": "P1"}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_malformed_bodies_are_400_json(client, captured, raw):
    response = post(client, raw)
    assert response.status_code == 400 and response.json()["status"] == "error"
    assert CallbackLog.objects.get().http_status == 400


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"amount": -17}, "bad_amount"),
        ({"amount": 0}, "bad_amount"),
        ({"amount": "1e999999"}, "bad_amount"),
        ({"amount": 1e308}, "bad_amount"),
        ({"amount": 10**40}, "bad_amount"),
        ({"amount": "17.001"}, "bad_amount"),
        ({"amount": "NaN"}, "bad_amount"),
        ({"amount": True}, "malformed"),
        ({"amount": [17]}, "malformed"),
        ({"amount": {"v": 17}}, "malformed"),
        ({"student_no": ["x"]}, "malformed"),
        ({"student_no": 10**400}, "malformed"),
        ({"transaction_id": "x" * 65}, "malformed"),
        ({"transaction_id": None}, "malformed"),
        ({"paid_at": "yesterday"}, "malformed"),
        ({"paid_at": "2020-13-45T99:00:00"}, "malformed"),
        ({"paid_at": 1605838500}, "malformed"),
        ({"campaign": {"code": "x"}}, "malformed"),
    ],
)
def test_bad_fields_never_500(client, captured, overrides, code):
    response = post(client, body_for(captured, **overrides))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_numeric_amount_and_student_no_accepted(client, captured):
    body = body_for(captured, amount=17, student_no=int(captured.student_no))
    response = post(client, body)
    assert response.status_code == 200, response.content


def test_get_is_refused(client):
    assert client.get(URL).status_code == 405


def test_oversized_body_refused(client, captured):
    body = body_for(captured, note="x" * 20000)
    response = post(client, body)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "overrides",
    [{"transaction_id": "P\u0000"}, {"student_no": "\u0000"}, {"campaign": "x\u0000"}],
)
def test_nul_characters_are_400_and_logged(client, captured, overrides):
    response = post(client, body_for(captured, **overrides))
    assert response.status_code == 400
    assert CallbackLog.objects.get().http_status == 400


def test_a_decimal_comma_from_the_platform_is_refused_not_read_as_five_yuan(client, captured):
    response = post(client, body_for(captured, amount="0,5", transaction_id="P-comma"))
    assert response.status_code == 400 and response.json()["code"] == "bad_amount"
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    response = post(client, body_for(captured, amount="1,7.00", transaction_id="P-comma2"))
    assert response.status_code == 400
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
