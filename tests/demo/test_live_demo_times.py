"""The live demo at any time of day: in each group one slot runs now, the earlier ones have
been shot, the later ones are still to come, and the printed students fit that."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from demo import live
from demo import schedule as plan
from demo.run import seed_demo
from retakes.models import RetakeRequest, Status
from sessions_app.models import Capture, Student

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 12, 2)


def _seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


NOTICE = {name: [(_seconds(a), _seconds(b)) for a, b, _who in rows] for name, _campus, rows in plan.SCHEDULE}


LENGTHS = {group: [end - start for start, end in slots] for group, slots in NOTICE.items()}


def _absolute(placed):
    """Each placed slot as (day offset, start, end) within its own day."""
    return [(start // live.DAY, start % live.DAY, end - start // live.DAY * live.DAY) for start, end in placed]


@pytest.mark.parametrize("group", list(NOTICE))
def test_every_minute_of_the_day_has_a_running_slot_and_every_slot_keeps_its_length(group):
    for minute in range(24 * 60):
        now = minute * 60 + 30
        placed = live._placed(NOTICE[group], now)
        assert [end - start for start, end in placed] == LENGTHS[group], minute
        # No slot crosses midnight: each starts and ends on one day.
        assert all(0 <= start < end <= live.DAY_END for _day, start, end in _absolute(placed)), minute
        assert all(placed[i][1] <= placed[i + 1][0] for i in range(len(placed) - 1)), minute
        running = live.running_index(len(placed))
        assert placed[running][0] <= now < placed[running][1], minute
        assert 0 <= placed[running][0] and placed[running][1] <= live.DAY_END, minute


@pytest.mark.parametrize("clock", ["10:30", "12:00", "15:00"])
def test_with_room_in_the_day_the_schedule_keeps_the_notices_lengths_and_gaps(clock):
    for slots in NOTICE.values():
        placed = live._placed(slots, _seconds(clock))
        assert [end - start for start, end in placed] == [end - start for start, end in slots]
        gaps = [b[0] - a[1] for a, b in zip(placed, placed[1:], strict=False)]
        assert gaps == [b[0] - a[1] for a, b in zip(slots, slots[1:], strict=False)]
        assert all(start % 60 == 0 for start, _end in placed)
        assert all(0 <= start and end <= live.DAY_END for start, end in placed)


def _local(slot, value) -> datetime.datetime:
    return datetime.datetime.combine(slot.date, value, tzinfo=SHANGHAI)


@pytest.mark.django_db
@pytest.mark.parametrize("clock", ["00:05", "12:00", "23:55"])
def test_demo_seeded_at_any_hour_is_live(clock):
    now = datetime.datetime.combine(DAY, datetime.time.fromisoformat(clock), tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        demo = seed_demo(size=0.03)
    campaign = demo.current.campaign
    for group in campaign.groups.all():
        slots = list(group.slots.order_by("date", "start_time"))
        # Every slot keeps the notice's length: no slot squeezed into seconds after midnight.
        lengths = [(_local(s, s.end_time) - _local(s, s.start_time)).total_seconds() for s in slots]
        assert lengths == LENGTHS[group.name], group.name
        running = live.running_index(len(slots))
        assert slots[running].date == DAY, group.name
        if clock == "00:05":  # too little of the day has passed: the shot slots are yesterday's
            assert all(s.date == DAY - datetime.timedelta(days=1) for s in slots[:running]), group.name
        if clock == "23:55":  # too little is left: the later slots are tomorrow's
            assert all(s.date == DAY + datetime.timedelta(days=1) for s in slots[running + 1 :]), group.name
        if clock == "12:00":
            assert all(s.date == DAY for s in slots), group.name
        states = []
        for slot in slots:
            start, end = _local(slot, slot.start_time), _local(slot, slot.end_time)
            captured = Capture.objects.filter(slot=slot).exists()
            states.append("shot" if end <= now and captured else "running" if start <= now < end else "to come")
            if start > now:
                assert not captured, (group.name, slot)
        assert states == ["shot"] * running + ["running"] + ["to come"] * (len(slots) - running - 1), group.name

    (captured_label, captured_no, _), (waiting_label, waiting_no, _) = demo.logins[-2:]
    assert "已采集" in captured_label and "待采集" in waiting_label
    captured = Student.objects.select_related("assigned_slot").get(campaign=campaign, student_no=captured_no)
    assert Capture.objects.filter(student=captured, undone_at__isnull=True).exists()
    assert _local(captured.assigned_slot, captured.assigned_slot.end_time) <= now
    waiting = Student.objects.select_related("assigned_slot").get(campaign=campaign, student_no=waiting_no)
    assert not Capture.objects.filter(student=waiting).exists()
    assert waiting.assigned_slot.date == DAY and _local(waiting.assigned_slot, waiting.assigned_slot.end_time) > now
    assert waiting.assigned_slot.time_range() in waiting_label

    statuses = set(
        RetakeRequest.objects.filter(campaign=campaign, student__counselor__username="counselor_cs").values_list(
            "status", flat=True
        )
    )
    assert statuses == set(Status.values)
