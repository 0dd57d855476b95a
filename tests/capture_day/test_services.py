"""The capture-day service: a swipe's capture, charge and verification clock in one transaction."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capture_day import services
from capture_day.results import Outcome
from capture_day.services import check_in, save_campaign, undo_check_in
from fees.models import Entry, Kind
from sessions_app.models import Capture, WindowUnit
from sessions_app.services import CaptureError, refresh_slot_assignments
from tests.factories import (
    make_audience,
    make_campaign,
    make_college,
    make_desk_operator,
    make_slot,
    make_student,
    make_user,
)
from verification.models import VerificationRecord

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def day():
    campaign = make_campaign(fee_per_person=Decimal("17.00"), verification_window=40)
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign, start="09:50", end="11:00")
    make_audience(slot, college=college)
    student = make_student(campaign, college)
    refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    return campaign, slot, student, make_desk_operator(slot)


def swipe(day, when=None):
    campaign, slot, student, operator = day
    return check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=operator, now=when)


def test_check_in_writes_capture_charge_and_clock(day):
    _campaign, _slot, student, operator = day
    result = swipe(day, when=datetime.datetime(2020, 11, 26, 10, 5, tzinfo=SH))
    assert result.outcome == Outcome.CAPTURED
    charge = Entry.objects.get(account__student=student)
    assert (charge.kind, charge.amount, charge.posted_by) == (Kind.CHARGE, Decimal("17.00"), operator)
    record = VerificationRecord.objects.get(student=student)
    assert record.capture == result.capture and record.is_active
    assert record.due_date == datetime.date(2021, 1, 5)  # 2020-11-26 + 40 days, as in the notice


def test_a_repeat_swipe_posts_no_second_charge_or_clock(day):
    swipe(day)
    again = swipe(day)
    assert again.outcome == Outcome.ALREADY
    assert Entry.objects.count() == 1 and VerificationRecord.objects.count() == 1


def test_steps_run_in_one_transaction_in_the_written_order(day, monkeypatch, django_assert_max_num_queries):
    calls = []
    real_charge, real_clock = services.fees_services.post_charge, services.verification_services.open_record_for_capture

    def charge(**kwargs):
        calls.append(("charge", connection.in_atomic_block, Capture.objects.filter(pk=kwargs["capture"].pk).exists()))
        return real_charge(**kwargs)

    def clock(**kwargs):
        calls.append(("clock", connection.in_atomic_block, Capture.objects.filter(pk=kwargs["capture"].pk).exists()))
        return real_clock(**kwargs)

    monkeypatch.setattr(services.fees_services, "post_charge", charge)
    monkeypatch.setattr(services.verification_services, "open_record_for_capture", clock)
    with CaptureQueriesContext(connection) as written:
        swipe(day)
    # Both see the capture row, inside the capture's transaction, the charge first.
    assert calls == [("charge", True, True), ("clock", True, True)]
    # Their rows are written in that order too (the entry and the clock go out in the swipe's
    # batch, after the 拍摄号 is taken: one round trip on PostgreSQL), and both are there.
    sql = " ".join(q["sql"] for q in written.captured_queries)
    entry, clock = (f'INSERT INTO "{model._meta.db_table}"' for model in (Entry, VerificationRecord))
    assert 0 < sql.index(entry) < sql.index(clock)
    assert Entry.objects.filter(kind=Kind.CHARGE).count() == 1 and VerificationRecord.objects.count() == 1


def test_a_failing_fee_step_rolls_the_capture_back(day, monkeypatch):
    _campaign, _slot, student, _operator = day

    def ledger_down(**kwargs):
        raise RuntimeError("ledger down")

    post_charge = services.fees_services.post_charge
    monkeypatch.setattr(services.fees_services, "post_charge", ledger_down)
    with pytest.raises(RuntimeError):
        swipe(day)
    assert not Capture.objects.filter(student=student).exists()
    assert not VerificationRecord.objects.exists()
    # The desk is usable again once the ledger is back.
    monkeypatch.setattr(services.fees_services, "post_charge", post_charge)
    assert swipe(day).outcome == Outcome.CAPTURED


def test_a_failing_clock_rolls_back_capture_and_charge(day, monkeypatch):
    def clock_down(**kwargs):
        raise RuntimeError("verification down")

    monkeypatch.setattr(services.verification_services, "open_record_for_capture", clock_down)
    with pytest.raises(RuntimeError):
        swipe(day)
    assert not Capture.objects.exists() and not Entry.objects.exists()


def test_undo_reverses_the_charge_and_stops_the_clock(day):
    _campaign, _slot, student, _operator = day
    capture = swipe(day).capture
    staff = make_user("staff")
    undo_check_in(capture=capture, actor=staff, reason="刷错了人")
    capture.refresh_from_db()
    assert capture.undone_at is not None and capture.undone_by == staff
    reversal = Entry.objects.get(kind=Kind.REVERSAL)
    assert reversal.reverses.kind == Kind.CHARGE and reversal.amount == Decimal("17.00")
    assert student.fee_account.balance == 0
    assert not VerificationRecord.objects.get(capture=capture).is_active
    # A new swipe charges again and starts a fresh clock.
    assert swipe(day).outcome == Outcome.CAPTURED
    assert student.fee_account.__class__.objects.get(pk=student.fee_account.pk).balance == Decimal("17.00")
    assert VerificationRecord.objects.filter(student=student, is_active=True).count() == 1


def test_undo_refused_changes_nothing(day, monkeypatch):
    capture = swipe(day).capture
    with pytest.raises(CaptureError):
        undo_check_in(capture=capture, actor=make_user("staff"), reason="  ")
    assert not Entry.objects.filter(kind=Kind.REVERSAL).exists()
    assert VerificationRecord.objects.get(capture=capture).is_active


def test_a_failing_reversal_keeps_the_capture(day, monkeypatch):
    capture = swipe(day).capture

    def ledger_down(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr(services.fees_services, "reverse_charge_for_capture", ledger_down)
    with pytest.raises(RuntimeError):
        undo_check_in(capture=capture, actor=make_user("staff"), reason="刷错了人")
    capture.refresh_from_db()
    assert capture.undone_at is None
    assert VerificationRecord.objects.get(capture=capture).is_active


# --- editing the campaign ----------------------------------------------------------


def _captured_on(campaign, college, day_, n, operator):
    slot = make_slot(campaign, group=f"组{day_:%m%d}-{n}", date=day_)
    operator.capture_groups.add(slot.group)
    for _ in range(n):
        student = make_student(campaign, college)
        check_in(
            campaign=campaign,
            slot=slot,
            identifier=student.student_no,
            operator=operator,
            now=datetime.datetime.combine(day_, datetime.time(9), tzinfo=SH),
        )


def _edit(campaign, **fields):
    campaign = campaign.__class__.objects.get(pk=campaign.pk)
    for name, value in fields.items():
        setattr(campaign, name, value)
    save_campaign(campaign=campaign, changed_fields=list(fields))
    return campaign


def test_editing_the_window_after_the_shoot_moves_every_due_date(day, django_assert_max_num_queries):
    campaign, _slot, _student, operator = day
    college = make_college("文法学院")
    first_day, second_day = datetime.date(2020, 11, 26), datetime.date(2020, 12, 3)
    _captured_on(campaign, college, first_day, 3, operator)
    _captured_on(campaign, college, second_day, 1, operator)

    # Read, savepoint, campaign UPDATE, release, one read of the capture days, one UPDATE per
    # capture day: 7 however many students.
    with django_assert_max_num_queries(7) as few:
        _edit(campaign, verification_window=30)
    due = {r.captured_on: r.due_date for r in VerificationRecord.objects.all()}
    assert due == {first_day: datetime.date(2020, 12, 26), second_day: datetime.date(2021, 1, 2)}

    _captured_on(campaign, college, first_day, 30, operator)
    with django_assert_max_num_queries(len(few)):
        campaign = _edit(campaign, verification_window=20)
    assert set(VerificationRecord.objects.filter(captured_on=first_day).values_list("due_date", flat=True)) == {
        datetime.date(2020, 12, 16)
    }

    _edit(campaign, verification_window_unit=WindowUnit.WORKING_DAYS, verification_window=5)
    assert VerificationRecord.objects.get(captured_on=second_day).due_date == datetime.date(2020, 12, 10)


def test_editing_another_field_leaves_the_due_dates_alone(day, django_assert_num_queries):
    campaign, _slot, _student, _operator = day
    swipe(day, when=datetime.datetime(2020, 11, 26, 9, tzinfo=SH))
    # Even a window changed behind the service's back is not recomputed by an unrelated edit.
    campaign.__class__.objects.filter(pk=campaign.pk).update(verification_window=10)
    with django_assert_num_queries(4):  # the read in _edit, savepoint, the campaign's UPDATE, release
        _edit(campaign, contact_phone="0411-87656100")
    assert VerificationRecord.objects.get().due_date == datetime.date(2021, 1, 5)


def test_campaign_admin_save_refreshes_due_dates(day, client):
    campaign, _slot, _student, _operator = day
    swipe(day, when=datetime.datetime(2020, 11, 26, 9, tzinfo=SH))
    staff = make_user("staff", is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = f"/admin/sessions_app/campaign/{campaign.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["capture_dates"] = campaign.capture_dates if campaign.capture_dates else ""
    data.update({"verification_window": 30})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert VerificationRecord.objects.get().due_date == datetime.date(2020, 12, 26)
