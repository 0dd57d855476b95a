"""Every scheduled reminder through one mechanism: step schedules, the runner, the one beat entry."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab

from capture_day.services import check_in
from notifications import reminders
from notifications.models import Delivery, Notification
from notifications.reminders import Candidate, ReminderRule, rules, run_rule
from notifications.schedules import OVERDUE_STEP, StepSchedule
from notifications.services import Message
from notifications.tasks import send_reminders, send_reminders_all
from sessions_app.models import Campaign, Phase, Student
from sessions_app.phases import CampaignClosed
from tests.factories import make_campaign, make_college, make_desk_operator, make_slot, make_student

SH = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime.date(2021, 3, 31)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


# --- the schedule alone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "step"),
    [(10, None), (8, None), (7, "d-7"), (5, "d-7"), (3, "d-3"), (1, "d-1"), (0, "d-1"), (-1, None)],
)
def test_the_latest_step_reached_is_due(days_left, step):
    schedule = StepSchedule(days=(7, 3, 1))
    today = DEADLINE - datetime.timedelta(days=days_left)
    assert schedule.due_step(deadline=DEADLINE, today=today, days=(7, 3, 1)) == step


def test_a_step_sent_is_not_due_again_and_overdue_comes_once():
    schedule = StepSchedule(days=(7, 3), overdue=True)
    today = DEADLINE - datetime.timedelta(days=2)
    assert schedule.due_step(deadline=DEADLINE, today=today, days=(7, 3), sent={"d-3"}) is None
    after = DEADLINE + datetime.timedelta(days=1)
    assert schedule.due_step(deadline=DEADLINE, today=after, days=(7, 3)) == OVERDUE_STEP
    assert schedule.due_step(deadline=DEADLINE, today=after, days=(7, 3), sent={OVERDUE_STEP}) is None
    # Without an overdue step nothing follows the deadline.
    assert StepSchedule(days=(7, 3)).due_step(deadline=DEADLINE, today=after, days=(7, 3)) is None


def test_a_daily_schedule_names_each_day_once():
    schedule = StepSchedule(daily=True)
    day = datetime.date(2021, 1, 6)
    assert schedule.due_step(deadline=None, today=day, days=()) == "2021-01-06"
    assert schedule.due_step(deadline=None, today=day, days=(), sent={"2021-01-06"}) is None


# --- a rule whose days are campaign data, on the machine's clock -------------------------------


def _students(*, campaign, today, days, batch_size):
    yield [
        Candidate(subject_id=campaign.pk, deadline=campaign.retake_deadline, student_id=s.pk, item=s)
        for s in Student.objects.filter(campaign=campaign).select_related("user")
    ]


def _messages(*, campaign, today, due):
    return [
        Message(
            recipient=c.item,
            kind="test_window",
            subject=campaign,
            step=step,
            code="retake.due",
            data={"deadline": campaign.retake_deadline.isoformat(), "left": (campaign.retake_deadline - today).days},
            channels=("inbox",),
        )
        for c, step in due
    ]


# Not registered: the beat never sees it. Its one step is as many days before the retake
# deadline as the campaign says (its CHSI window stands in for any per-campaign number).
WINDOW_RULE = ReminderRule(
    name="tests.window",
    kind="test_window",
    subject=Campaign,
    schedule=StepSchedule(days=lambda campaign: (campaign.verification_window,)),
    candidates=_students,
    messages=_messages,
)


@pytest.mark.django_db
def test_a_step_whose_days_are_campaign_data_is_sent_on_its_day():
    college = make_college("理学院")
    early = make_campaign(code="early", verification_window=7, retake_deadline=DEADLINE)
    late = make_campaign(code="late", verification_window=3, retake_deadline=DEADLINE)
    make_student(early, college, name="早")
    make_student(late, college, name="晚")

    def run_on(day):
        with time_machine.travel(at(day), tick=False):  # run_rule reads today from the clock
            return {c.code: dict(run_rule(WINDOW_RULE, campaign=c).counts) for c in (early, late)}

    assert run_on(DEADLINE - datetime.timedelta(days=8)) == {"early": {}, "late": {}}
    assert run_on(DEADLINE - datetime.timedelta(days=7)) == {"early": {"d-7": 1}, "late": {}}
    assert run_on(DEADLINE - datetime.timedelta(days=4)) == {"early": {}, "late": {}}
    assert run_on(DEADLINE - datetime.timedelta(days=3)) == {"early": {}, "late": {"d-3": 1}}
    sent = Notification.objects.filter(kind="test_window").order_by("student__name")
    assert [(n.student.name, n.step, n.created_at.astimezone(SH).date()) for n in sent] == [
        ("早", "d-7", DEADLINE - datetime.timedelta(days=7)),
        ("晚", "d-3", DEADLINE - datetime.timedelta(days=3)),
    ]


# --- the fan-out: one task per open campaign, every rule, never twice ----------------------------

CAPTURED = datetime.date(2020, 11, 26)  # a 40-day window: due 2021-01-05, d-14 on 2020-12-22
D14 = datetime.date(2020, 12, 22)


@pytest.fixture
def reminder_world(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    settings.VERIFICATION_REMINDER_DAYS = [14, 7, 3, 1]
    campaign = make_campaign(chsi_url="https://xjxl.chsi.com.cn")
    college = make_college("计算机科学与工程学院")
    slot = make_slot(campaign, date=CAPTURED)
    operator = make_desk_operator(slot)
    students = [make_student(campaign, college, phone=f"1380000000{i}") for i in range(3)]
    for student in students:
        result = check_in(
            campaign=campaign, slot=slot, identifier=student.student_no, operator=operator, now=at(CAPTURED)
        )
        assert result.capture is not None, result.message
    return campaign, students


@pytest.mark.django_db
def test_a_rerun_of_the_fan_out_the_same_day_sends_nothing_twice(reminder_world, django_capture_on_commit_callbacks):
    campaign, students = reminder_world
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_all(today=D14.isoformat()) == 1
    first = set(Notification.objects.values_list("student_id", "kind", "step"))
    assert first == {(s.pk, "verification_due", "d-14") for s in students}
    deliveries = Delivery.objects.count()
    assert deliveries == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_all(today=D14.isoformat()) == 1  # beat twice, or a retried fan-out
        assert send_reminders(campaign.pk, D14.isoformat(), 9) == {}  # a retried child
    assert set(Notification.objects.values_list("student_id", "kind", "step")) == first
    assert Delivery.objects.count() == deliveries


@pytest.mark.django_db
def test_the_fan_out_enqueues_its_children_on_commit(reminder_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert send_reminders_all(today=D14.isoformat()) == 1
    assert not Notification.objects.exists()  # nothing ran before the commit
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_closed_campaign_sends_nothing(reminder_world, django_capture_on_commit_callbacks):
    campaign, _students = reminder_world
    campaign.phase_override = Phase.CLOSED
    campaign.save(update_fields=["phase_override"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_all(today=D14.isoformat()) == 0  # not fanned out to
        # Closed between the fan-out and the child: the child sends nothing either.
        assert send_reminders(campaign.pk, D14.isoformat()) == {}
    for rule in rules():
        with pytest.raises(CampaignClosed):
            run_rule(rule, campaign=campaign, today=D14)
    assert not Notification.objects.exists() and not Delivery.objects.exists()


@pytest.mark.django_db
def test_only_the_rules_of_the_hour_go_out(reminder_world, django_capture_on_commit_callbacks, settings):
    campaign, _students = reminder_world
    assert [r.name for r in rules(hour=18)] == ["verification.slot"]
    assert send_reminders_all(today=D14.isoformat(), hour=3) == 0  # no rule at 03:00: no child at all
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders_all(today=D14.isoformat(), hour=18)  # the slot reminder's hour: no CHSI reminder
    assert not Notification.objects.exists()
    settings.REMINDER_HOURS = {"verification.deadline": 18}
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders_all(today=D14.isoformat(), hour=18)
    assert Notification.objects.filter(kind="verification_due", step="d-14").count() == 3


# --- beat: one entry for every reminder ------------------------------------------------------------


def test_one_beat_entry_sends_every_reminder(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    entry = schedule["notifications.send_reminders_all"]
    assert entry["task"] == "notifications.send_reminders_all"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].minute == {0} and entry["schedule"].hour == set(range(24))  # every hour
    old = {
        "verification.slot_reminders_all",
        "verification.verification_reminders_all",
        "verification.overdue_digests_all",
        "fees.send_remittance_reminders",
        "retakes.send_retake_reminders",
    }
    assert not old & set(schedule)
    assert [name for name in schedule if "remind" in name] == ["notifications.send_reminders_all"]


def test_every_rule_is_declared_once_by_its_app():
    names = [r.name for r in rules()]
    assert sorted(names) == [
        "fees.remittance",
        "retakes.deadline",
        "verification.deadline",
        "verification.overdue_list",
        "verification.slot",
    ]
    assert {r.name.split(".")[0]: r.candidates.__module__ for r in rules()} == {
        "fees": "fees.reminders",
        "retakes": "retakes.reminders",
        "verification": "verification.reminders",
    }
    assert reminders.rule("verification.slot").send_hour() == 18
