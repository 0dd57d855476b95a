"""The payment platform's notice while the database blinks: a 503 in the protocol's shape, resent once."""

import pytest
from django.db import OperationalError

from fees.models import Entry, Kind

from .test_callback import SECRET, body_for, post

pytestmark = pytest.mark.django_db


def test_a_notice_cut_off_from_the_database_asks_the_platform_to_send_it_again(client, captured, settings):
    settings.FEES_CALLBACK_SECRET = SECRET
    student = captured
    body = body_for(student)

    def cut(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("fees.callback._process", cut)
        response = post(client, body)
    assert response.status_code == 503 and response["Retry-After"] == "3"
    assert response.json() == {
        "status": "error",
        "code": "db_unavailable",
        "error": "系统暂时不可用，未入账：请稍后重发此通知",
    }
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()
    # The platform resends: posted once, and once only however often it is resent.
    assert post(client, body).json()["status"] == "posted"
    assert post(client, body).json()["status"] == "duplicate"
    assert Entry.objects.filter(kind=Kind.PAYMENT, account__student=student).count() == 1
