"""Issue 24 item 1: a class monitor's payment for several students is one handover, allocated as
one payment per student."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from fees.models import Entry, FeeAccount, GroupPayment, Kind, Method
from fees.services import mark_paid
from tests.factories import make_student

from .conftest import capture, key

pytestmark = pytest.mark.django_db


def test_a_class_monitors_cash_is_one_handover_allocated_per_student(client, campaign, college, coordinator):
    students = [make_student(campaign, college, class_name="计科1701") for _ in range(3)]
    for s in students:
        capture(s)
    client.force_login(coordinator)
    form = {
        "campaign": campaign.code,
        "students": [s.pk for s in students],
        "method": Method.CASH,
        "payer": "  班长   张三 ",
        "idempotency_key": key(),
    }
    page = client.post(reverse("fees:mark_paid"), form, follow=True).content.decode()
    assert "已登记 班长 张三 代缴 3 人，共 ¥51.00，已分到每名学生" in page

    group = GroupPayment.objects.get()
    assert (group.payer, group.count, str(group.total), group.created_by) == ("班长 张三", 3, "51.00", coordinator)
    assert sorted(item.entry.account.student_id for item in group.items.all()) == sorted(s.pk for s in students)
    assert all(FeeAccount.objects.get(student=s).balance == 0 for s in students)
    assert AuditEvent.objects.filter(action="fee.group_payment").count() == 1

    client.post(reverse("fees:mark_paid"), form, follow=True)  # the form sent twice: nothing new
    assert GroupPayment.objects.count() == 1 and Entry.objects.filter(kind=Kind.PAYMENT).count() == 3


def test_without_a_payer_it_stays_separate_payments(campaign, college, coordinator):
    students = [make_student(campaign, college) for _ in range(2)]
    for s in students:
        capture(s)
    result = mark_paid(students=students, method=Method.CASH, actor=coordinator, idempotency_key=key())
    assert len(result.created) == 2 and result.group is None and not GroupPayment.objects.exists()


def test_a_refused_student_refuses_the_whole_handover(campaign, college, other_college, coordinator):
    mine = make_student(campaign, college)
    theirs = make_student(campaign, other_college)
    for s in (mine, theirs):
        capture(s)
    from fees.services import FeeError

    with pytest.raises(FeeError):
        mark_paid(students=[mine, theirs], method=Method.CASH, actor=coordinator, idempotency_key=key(), payer="班长")
    assert not GroupPayment.objects.exists() and not Entry.objects.filter(kind=Kind.PAYMENT).exists()
