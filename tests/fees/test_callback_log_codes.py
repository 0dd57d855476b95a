"""The callback log keeps a refusal as a code and data; staff read it in their own language."""

import json
import re

import pytest
from django.conf import settings

from fees.models import CallbackLog

from .test_callback import body_for, post

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.FEES_CALLBACK_SECRET = "test-callback-secret"


def test_refusals_are_stored_as_codes_and_shown_in_the_readers_language(client, captured, staff):
    staff.is_staff = staff.is_superuser = True
    staff.save()
    answers = [
        post(client, body_for(captured, transaction_id="T1", student_no="20990001")),
        post(client, body_for(captured, transaction_id="T2", amount="17,5")),
        post(client, body_for(captured, transaction_id="T3", amount="99")),
        post(client, json.dumps({"transaction_id": "T4"}).encode()),
    ]
    assert [a.status_code for a in answers] == [404, 400, 409, 400]
    # The platform still gets our words (and branches on the code).
    assert answers[0].json()["error"] == f"批次 {captured.campaign.code} 中没有学号 20990001"
    assert answers[2].json()["code"] == "overpaid" and "目前最多应缴 ¥17.00，本次 ¥99.00" in answers[2].json()["error"]
    rows = {row.transaction_id or "T4": row for row in CallbackLog.objects.all()}
    assert (rows["T1"].error_code, rows["T1"].error_data) == (
        "unknown_student",
        {"campaign": captured.campaign.code, "student_no": "20990001"},
    )
    assert (rows["T2"].error_code, rows["T2"].error_data) == (
        "bad_amount",
        {"reason": "amount_separator", "value": "17,5"},
    )
    assert rows["T3"].error_code == "overpaid" and rows["T3"].error_data["limit"] == "17.00"
    assert rows["T4"].error_data == {"problem": "missing", "fields": ["student_no", "campaign", "amount", "paid_at"]}
    for row in rows.values():
        stored = json.dumps(row.error_data, ensure_ascii=False).replace(captured.name, "")
        assert not CJK.search(stored), stored

    client.force_login(staff)
    chinese = client.get("/admin/fees/callbacklog/").content.decode()
    assert f"批次 {captured.campaign.code} 中没有学号 20990001" in chinese and "缺少字段：student_no" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/admin/fees/callbacklog/").content.decode()
    assert "中没有学号" not in english and "缺少字段" not in english
    assert "20990001" in english and "student_no, campaign, amount, paid_at" in english
