"""拍摄号: each check-in takes the next number of its group's day; operators void and re-queue."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from accounts.audit import describe
from accounts.models import AuditEvent
from capture_day.services import check_in, record_swipe, undo_check_in
from sessions_app.models import Shot, ShotCounter
from sessions_app.services import ShotError, requeue_shot, void_shot

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2020, 11, 26, 9, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MORNING, tick=False):
        yield


def swipe(world, student, slot=None, when=None):  # noqa: F811
    slot = slot or world.slot_econ
    return check_in(
        campaign=world.campaign,
        slot=slot,
        identifier=student.student_no,
        # Each group's own operator: check_in refuses a desk of another group.
        operator=world.other_operator if slot.group_id == world.slot_civil.group_id else world.operator,
        now=when,
    )


def open_the_next_day_too(world):  # noqa: F811
    """A desk opens only on its group's days; a day's window on each side lets it swipe on the 27th."""
    world.campaign.desk_window_days = 1
    world.campaign.save(update_fields=["desk_window_days"])


def shown(result) -> int | None:
    shot = result.as_dict().get("shot")
    return shot and shot["number"]


def test_check_ins_take_1_to_n_per_group_and_day(world):  # noqa: F811
    numbers = [shown(swipe(world, s)) for s in (world.econ_student, world.econ_student2, world.x_student)]
    # 赵六 belongs to 09:50, the same group: the group's queue goes on.
    cs = swipe(world, world.cs_student, slot=world.slot_cs)
    # Another group counts on its own.
    civil = swipe(world, world.civil_student, slot=world.slot_civil)
    assert numbers + [shown(cs)] == [1, 2, 3, 4]
    assert shown(civil) == 1
    body = cs.as_dict()["shot"]
    assert body == {"number": 4, "group": "金石滩第一组", "day": body["day"], "status": "live"}
    assert "11" in body["day"] and "26" in body["day"]
    assert AuditEvent.objects.filter(action="capture.record", data__shot=4).count() == 1


def test_a_new_day_starts_again_at_1(world):  # noqa: F811
    open_the_next_day_too(world)
    swipe(world, world.econ_student)
    next_day = swipe(world, world.econ_student2, when=MORNING + datetime.timedelta(days=1))
    assert shown(next_day) == 1
    assert next_day.shot.day == datetime.date(2020, 11, 27)


def test_the_day_is_the_local_date_of_the_capture(world):  # noqa: F811
    # 00:30 in Shanghai is still the previous day in UTC: the number belongs to the Shanghai day.
    open_the_next_day_too(world)
    early = datetime.datetime(2020, 11, 27, 0, 30, tzinfo=SH)
    assert swipe(world, world.econ_student, when=early).shot.day == datetime.date(2020, 11, 27)


def test_a_repeat_swipe_takes_no_number_and_shows_the_first(world):  # noqa: F811
    swipe(world, world.econ_student)
    again = swipe(world, world.econ_student)
    assert again.outcome == "already_captured" and shown(again) == 1
    assert Shot.objects.count() == 1
    assert shown(swipe(world, world.econ_student2)) == 2


def test_a_resent_nonce_gets_the_same_number_and_uses_none(world):  # noqa: F811
    nonce = uuid.uuid4()

    def send():
        return record_swipe(
            campaign=world.campaign,
            slot=world.slot_econ,
            identifier=world.econ_student.id_number,
            operator=world.operator,
            nonce=nonce,
        )

    first, resent = send(), send()
    assert first.outcome == resent.outcome == "captured"
    assert shown(first) == shown(resent) == 1
    assert ShotCounter.objects.get().last_number == 1
    assert shown(swipe(world, world.econ_student2)) == 2


def test_an_undone_capture_keeps_its_number_shown_as_undone(world):  # noqa: F811
    first = swipe(world, world.econ_student)
    swipe(world, world.econ_student2)
    undo_check_in(capture=first.capture, actor=world.staff, reason="刷错卡")
    assert Shot.objects.get(number=1).status == "undone"
    # Swiped again: the student joins the end of the queue with a new number.
    assert shown(swipe(world, world.econ_student)) == 3


def test_void_keeps_the_number_with_its_reason_and_is_audited(world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    void_shot(shot=shot, actor=world.operator, reason="学生离开队伍")
    shot.refresh_from_db()
    assert (shot.status, shot.void_reason, shot.voided_by) == ("left", "学生离开队伍", world.operator)
    event = AuditEvent.objects.get(action="shot.void")
    assert event.actor == world.operator and event.data["number"] == 1
    (line,) = describe([event])
    assert "张三" in line.summary and "学生离开队伍" in line.summary
    with pytest.raises(ShotError) as again:
        void_shot(shot=shot, actor=world.operator, reason="再来一次")
    assert again.value.code == "shot_already_voided"
    # The student's next swipe is "already captured" and shows the voided number as such.
    assert swipe(world, world.econ_student).as_dict()["shot"]["status"] == "left"


def test_requeue_gives_the_next_number_and_voids_the_old_one(world):  # noqa: F811
    first = swipe(world, world.econ_student).shot
    swipe(world, world.econ_student2)
    new = requeue_shot(shot=first, actor=world.operator, reason="插队，排到队尾")
    first.refresh_from_db()
    assert new.number == 3 and first.status == "requeued" and new.capture_id == first.capture_id
    event = AuditEvent.objects.get(action="shot.requeue")
    assert (event.data["number"], event.data["new_number"]) == (1, 3)
    assert "插队" in describe([event])[0].summary
    with pytest.raises(ShotError) as superseded:
        requeue_shot(shot=first, actor=world.operator, reason="又一次")
    assert superseded.value.code == "shot_superseded"
    assert shown(swipe(world, world.econ_student)) == 3  # the repeat swipe shows the new number


def test_a_student_who_left_and_came_back_is_requeued(world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    void_shot(shot=shot, actor=world.operator, reason="离开")
    swipe(world, world.econ_student2)
    new = requeue_shot(shot=shot, actor=world.staff, reason="回来了")
    assert new.number == 3
    shot.refresh_from_db()
    assert shot.void_code == "left"  # still the reason the first number stopped counting


@pytest.mark.parametrize(
    "who, code",
    [("other_operator", "shot_other_group"), ("coordinator", "shot_role_refused"), ("counselor", "shot_role_refused")],
)
def test_only_staff_and_the_groups_operators_may_void_or_requeue(world, who, code):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    for action in (void_shot, requeue_shot):
        with pytest.raises(ShotError) as refused:
            action(shot=shot, actor=getattr(world, who), reason="离开")
        assert refused.value.code == code
    assert not AuditEvent.objects.filter(action__startswith="shot.").exists()
    assert Shot.objects.get().status == "live"


def test_a_reason_is_required_and_an_undone_capture_is_left_alone(world):  # noqa: F811
    result = swipe(world, world.econ_student)
    with pytest.raises(ShotError) as missing:
        void_shot(shot=result.shot, actor=world.operator, reason="  ")
    assert missing.value.code == "reason_missing"
    undo_check_in(capture=result.capture, actor=world.staff, reason="刷错卡")
    with pytest.raises(ShotError) as undone:
        requeue_shot(shot=result.shot, actor=world.staff, reason="排队")
    assert undone.value.code == "capture_undone"


def test_the_database_refuses_a_duplicate_number(world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    other = swipe(world, world.econ_student2).capture
    with pytest.raises(IntegrityError), transaction.atomic():
        Shot.objects.create(group=shot.group, day=shot.day, number=1, capture=other, assigned_at=shot.assigned_at)


def test_the_database_refuses_a_second_live_number_for_one_capture(world):  # noqa: F811
    shot = swipe(world, world.econ_student).shot
    with pytest.raises(IntegrityError), transaction.atomic():
        Shot.objects.create(
            group=shot.group, day=shot.day, number=9, capture=shot.capture, assigned_at=shot.assigned_at
        )
