"""Issue 24 item 1: staff can take back a confirmation with a reason; it stays on record, the
slip is withdrawn, and the college remits those entries again. The ledger stays append-only."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent
from fees import remittances
from fees.models import ConfirmationReversal, Entry, Method, Remittance, RemittanceConfirmation
from fees.selectors import reconciliation
from fees.services import FeeError, post_payment
from sessions_app.models import College
from tests.factories import make_student

from .conftest import capture, key

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def confirmed(campaign, college, coordinator, staff):
    for _ in range(2):
        student = make_student(campaign, college)
        capture(student)
        post_payment(student=student, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="3.40")  # 34.00 mistyped
    return remittance


def test_staff_take_back_a_mistyped_confirmation_and_the_college_remits_again(
    client, campaign, college, coordinator, staff, confirmed
):
    entries_before = Entry.objects.count()
    client.force_login(staff)
    url = reverse("fees:reverse_confirmation", args=[confirmed.pk])
    assert "撤销到账确认必须填写原因" in client.post(url, {"reason": " "}, follow=True).content.decode()
    page = client.post(url, {"reason": "实收金额填错"}, follow=True).content.decode()
    assert "已撤销到账确认" in page and "实收金额填错" in page

    confirmed.refresh_from_db()
    assert confirmed.cancelled_at is not None and not confirmed.items.exists()
    assert RemittanceConfirmation.objects.filter(remittance=confirmed).exists()  # kept on record
    assert ConfirmationReversal.objects.get().reason == "实收金额填错"
    assert Entry.objects.count() == entries_before  # the ledger is not touched
    assert AuditEvent.objects.filter(action="fee.remittance.reverse_confirmation").exists()
    figures, _ = reconciliation(campaign=campaign, colleges=College.objects.all())
    assert (figures[0].remitted, figures[0].confirmed, figures[0].held) == (D("0"), D("0"), D("34.00"))

    again, created = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    assert created and again.amount == D("34.00")
    remittances.confirm_remittance(remittance=again, actor=staff, received_amount="34.00")
    figures, _ = reconciliation(campaign=campaign, colleges=College.objects.all())
    assert (figures[0].remitted, figures[0].confirmed, figures[0].difference) == (D("34.00"), D("34.00"), D("0"))


def test_only_staff_and_only_once(client, coordinator, staff, confirmed):
    with pytest.raises(FeeError) as refused:
        remittances.reverse_confirmation(remittance=confirmed, actor=coordinator, reason="x")
    assert refused.value.code == "staff_only"
    client.force_login(coordinator)
    assert client.post(reverse("fees:reverse_confirmation", args=[confirmed.pk]), {"reason": "x"}).status_code == 403
    remittances.reverse_confirmation(remittance=confirmed, actor=staff, reason="填错")
    with pytest.raises(FeeError) as twice:
        remittances.reverse_confirmation(remittance=confirmed, actor=staff, reason="再来")
    assert twice.value.code == "not_confirmed" and ConfirmationReversal.objects.count() == 1


@pytest.mark.postgres
def test_on_postgresql_a_live_confirmation_freezes_the_slip_and_a_reversed_one_lets_it_go(staff, confirmed):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Remittance.objects.filter(pk=confirmed.pk).update(note="改")  # frozen while confirmed
    remittances.reverse_confirmation(remittance=confirmed, actor=staff, reason="填错")  # withdraws it: allowed now
    confirmed.refresh_from_db()
    assert confirmed.cancelled_at is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        ConfirmationReversal.objects.filter(pk=ConfirmationReversal.objects.get().pk)._raw_delete(connection.alias)
