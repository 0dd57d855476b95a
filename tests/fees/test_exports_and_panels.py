import datetime
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from core.registries import exporters
from fees import reminders, services
from fees.models import Method
from fees.panels import fee_status
from tests.factories import make_college, make_student, make_user

from .conftest import capture, key
from .test_views import populate


def test_fees_exporter_registered():
    assert exporters()["fees"].title == "费用对账"


def test_export_report_command_writes_reconciliation(campaign, college, other_college, tmp_path):
    populate(campaign, [college, other_college], 4)
    target = tmp_path / "fees.xlsx"
    call_command("export_report", "fees", "--campaign", campaign.code, "-o", str(target))
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook["各学院对账"].iter_rows(values_only=True))
    header = rows[1]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    assert set(by_name) == {college.name, other_college.name, "合计"}
    mine = by_name[college.name]
    assert mine["已采集人数"] == 4
    assert Decimal(str(mine["应收（已采集人数 × 每人费用）"])) == Decimal("68")
    assert Decimal(str(mine["已收"])) == Decimal("34")
    assert mine["未缴人数"] == 2
    assert Decimal(str(mine["差额（确认实收 − 对应上交单金额）"])) == Decimal("-1")
    assert by_name["合计"]["已采集人数"] == 8
    unpaid = list(workbook["未缴费学生"].iter_rows(values_only=True))
    assert len(unpaid) == 1 + 4
    remitted = list(workbook["上交记录"].iter_rows(values_only=True))
    assert len(remitted) == 1 + 2 and remitted[1][5] == "已确认"


def test_export_constant_queries(campaign, django_assert_max_num_queries, tmp_path):
    colleges = [make_college(f"学院E{i}") for i in range(2)]
    populate(campaign, colleges, 2)
    from fees.exports import write_fee_report

    with django_assert_max_num_queries(20) as small:
        write_fee_report(campaign=campaign, user=None, stream=(tmp_path / "a.xlsx").open("wb"))
    populate(campaign, colleges + [make_college(f"学院E{i}") for i in range(2, 5)], 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        write_fee_report(campaign=campaign, user=None, stream=(tmp_path / "b.xlsx").open("wb"))


def test_student_panel_states(campaign, college, coordinator, django_assert_max_num_queries):
    s = make_student(campaign, college, user=make_user(Role.STUDENT))
    s = type(s).objects.select_related("campaign").get(pk=s.pk)
    template, context = fee_status(s)
    assert template == "fees/student_panel.html" and context["account"] is None
    capture(s)
    with django_assert_max_num_queries(1):
        _t, context = fee_status(s)
    assert context["account"].owed == Decimal("17.00")
    services.post_payment(student=s, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    _t, context = fee_status(s)
    assert context["account"].balance == 0 and context["captured"]


def test_student_home_shows_fee_panel(client, campaign, college):
    user = make_user(Role.STUDENT)
    s = make_student(campaign, college, user=user)
    capture(s)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "采集费" in page and "应缴 ¥17.00" in page


# --- reminders ------------------------------------------------------------------


def test_reminder_step():
    deadline = datetime.date(2020, 11, 30)
    step = reminders.reminder_step
    assert step(deadline=deadline, today=datetime.date(2020, 11, 20)) is None
    assert step(deadline=deadline, today=datetime.date(2020, 11, 23)) == "d-7"
    assert step(deadline=deadline, today=datetime.date(2020, 11, 25)) == "d-7"
    assert step(deadline=deadline, today=datetime.date(2020, 11, 27)) == "d-3"
    assert step(deadline=deadline, today=datetime.date(2020, 11, 30)) == "d-1"
    assert step(deadline=deadline, today=datetime.date(2020, 12, 1)) is None


def test_reminders_list_colleges_with_unpaid_or_unremitted(campaign, college, other_college, coordinator):
    from fees.selectors import remittance_reminders

    third = make_college("理学院")
    unpaid = make_student(campaign, college)
    capture(unpaid)
    paid = make_student(campaign, other_college)
    capture(paid)
    services.post_payment(student=paid, amount="17", method=Method.CASH, actor=None, idempotency_key=key())
    done = make_student(campaign, third)
    capture(done)
    services.post_platform_payment(student=done, amount="17", transaction_id=key(), paid_at=timezone.now())
    items = remittance_reminders(campaign=campaign, today=datetime.date(2020, 11, 25))
    by_college = {item.college.name: item for item in items}
    assert set(by_college) == {college.name, other_college.name}
    assert by_college[college.name].unpaid_count == 1 and by_college[college.name].coordinators == [coordinator]
    assert by_college[other_college.name].unremitted == Decimal("17.00")
    assert remittance_reminders(campaign=campaign, today=datetime.date(2020, 12, 1)) == []


def test_send_reminders_once_per_step(campaign, college, coordinator):
    from notifications.models import Notification

    capture(make_student(campaign, college))
    day = datetime.date(2020, 11, 24)
    assert reminders.send_remittance_reminders(today=day) == 1
    assert reminders.send_remittance_reminders(today=day) == 0
    assert reminders.send_remittance_reminders(today=day + datetime.timedelta(days=1)) == 0
    assert reminders.send_remittance_reminders(today=datetime.date(2020, 11, 28)) == 1
    notes = Notification.objects.filter(kind="remittance_due").order_by("id")
    assert [n.step for n in notes] == ["d-7", "d-3"]
    assert college.name in notes[0].body and "1 人未缴费" in notes[0].body


def test_the_send_reminders_command_sends_the_remittance_reminder_beat_would(campaign, college, coordinator, capsys):
    """The command ran only verification's rules, so with beat down no college was told to remit."""
    from notifications.models import Notification

    capture(make_student(campaign, college))
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-11-24", "--dry-run")
    assert "学院上交提醒：将发送 1 条（截止前 7 天 1 人）（给学院负责老师）" in capsys.readouterr().out
    assert not Notification.objects.filter(kind="remittance_due").exists()
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-11-24")
    assert "学院上交提醒：已发送 1 条" in capsys.readouterr().out
    call_command("send_reminders", "--campaign", campaign.code, "--today", "2020-11-24")
    assert "学院上交提醒：已发送 0 条" in capsys.readouterr().out
    assert Notification.objects.filter(kind="remittance_due", user=coordinator).count() == 1


def test_a_closed_campaign_gets_no_remittance_reminder(campaign, college, coordinator):
    capture(make_student(campaign, college))
    campaign.phase_override = "closed"
    campaign.save(update_fields=["phase_override"])
    assert reminders.send_remittance_reminders(today=datetime.date(2020, 11, 24)) == 0


def test_staff_page_lists_reminders(client, staff, campaign, college, coordinator, settings):
    import django.utils.timezone as tz

    capture(make_student(campaign, college))
    campaign.remittance_deadline = tz.localdate() + datetime.timedelta(days=5)
    campaign.save()
    client.force_login(staff)
    page = client.get("/fees/reconciliation/", {"campaign": campaign.code}).content.decode()
    section = page.split('id="reminders"')[1]
    assert college.name in section and "计算机李老师" in section


def test_beat_schedule_and_task(settings, campaign, college, coordinator):
    from notifications.reminders import rules
    from notifications.tasks import send_reminders

    # The remittance rule goes out through the one reminder entry, per campaign, at 09:00.
    entry = settings.CELERY_BEAT_SCHEDULE["notifications.send_reminders_all"]
    assert entry["task"] == "notifications.send_reminders_all"
    assert reminders.REMITTANCE in rules(hour=9)
    # Eager run: the campaign's deadline (2020-11-30) is long past today, so nothing is due.
    capture(make_student(campaign, college))
    assert send_reminders.delay(campaign.pk, None, 9).get() == {}


def test_student_fee_page_constant_queries(client, campaign, college, coordinator, django_assert_max_num_queries):
    user = make_user(Role.STUDENT)
    s = make_student(campaign, college, user=user)
    capture(s)
    client.force_login(user)
    services.post_payment(student=s, amount="1", method=Method.CASH, actor=coordinator, idempotency_key=key())
    with django_assert_max_num_queries(20) as small:
        client.get("/fees/")
    for _ in range(10):
        entry = services.post_payment(
            student=s, amount="1", method=Method.CASH, actor=coordinator, idempotency_key=key()
        ).entry
    services.reverse_entry(entry=entry, actor=coordinator, reason="错", idempotency_key=key())
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "¥10.00" in client.get("/fees/").content.decode()
