"""The sessions_app services that act for a person refuse, with a coded error and nothing written,
what that person may not do, whoever calls them (a view, the admin, a command, a future API)."""

import datetime

import pytest

from accounts.models import AuditEvent, Role, User
from capture_day import services as capture_services
from capture_day.services import check_in, undo_check_in
from sessions_app import services
from sessions_app.cloning import CloneError, clone_campaign
from sessions_app.models import Campaign, Capture, SlotStatus
from sessions_app.roster.counselors import CounselorAccountError, create_counselor_accounts
from tests.factories import (
    make_audience,
    make_campaign,
    make_college,
    make_desk_operator,
    make_slot,
    make_student,
    make_user,
)

pytestmark = pytest.mark.django_db
NOT_STAFF = [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT]


@pytest.fixture
def schedule():
    campaign = make_campaign()
    college = make_college("计算机科学与工程学院")
    home = make_slot(campaign, start="09:50", end="11:00")
    make_audience(home, college=college)
    other = make_slot(campaign, group="金石滩第二组", start="08:30", end="09:50")
    student = make_student(campaign, college)
    services.refresh_slot_assignments(campaign=campaign)
    student.refresh_from_db()
    return campaign, home, other, student


def _actor(role, student):
    """Someone of this role as close to the student as the role gets: still not staff."""
    actor = make_user(role)
    if role == Role.COORDINATOR:
        actor.colleges.add(student.college)
    elif role == Role.COUNSELOR:
        student.counselor = actor
        student.save(update_fields=["counselor"])
    elif role == Role.OPERATOR:
        actor.capture_groups.add(student.assigned_slot.group)
    return actor


@pytest.mark.parametrize("role", NOT_STAFF)
def test_only_staff_move_a_student_to_another_slot(schedule, role):
    _campaign, home, other, student = schedule
    actor = _actor(role, student)
    for slot in (other, None):
        with pytest.raises(services.CaptureError) as refused:
            services.override_student_slot(student=student, slot=slot, actor=actor, reason="想换时段")
        assert refused.value.code == "staff_only"
    student.refresh_from_db()
    assert (student.assigned_slot, student.slot_override, student.slot_status) == (home, None, SlotStatus.MATCHED)
    assert not AuditEvent.objects.filter(action__startswith="slot.override").exists()


def test_staff_move_a_student(schedule):
    _campaign, _home, other, student = schedule
    moved = services.override_student_slot(student=student, slot=other, actor=make_user(Role.STAFF), reason="考试")
    assert moved.assigned_slot == other and moved.slot_status == SlotStatus.OVERRIDDEN


def test_a_capture_is_written_only_through_check_in():
    """The capture row's writer is private to capture_day.services: a second door past check_in's
    desk_gate (whose desk, which days) would also skip the charge and the verification clock."""
    assert not hasattr(services, "record_capture")
    assert not hasattr(capture_services, "record_capture")


def test_a_capture_is_undone_only_through_undo_check_in(schedule):
    """The capture row's undo is no service of sessions_app: a second door past undo_check_in's rule
    (who, when, with a reason) would also leave the charge and the verification clock running."""
    campaign, home, _other, student = schedule
    assert not hasattr(services, "undo_capture")
    operator = make_desk_operator(home)
    capture = check_in(campaign=campaign, slot=home, identifier=student.student_no, operator=operator).capture
    with pytest.raises(services.CaptureError) as refused:
        undo_check_in(capture=capture, actor=make_user(Role.OPERATOR), reason="不是我刷的")
    assert refused.value.code == "undo_not_own"
    assert Capture.objects.get().undone_at is None
    assert not AuditEvent.objects.filter(action="capture.undo").exists()


@pytest.mark.parametrize("role", NOT_STAFF)
def test_only_staff_start_a_new_campaign(schedule, role):
    source, *_rest, student = schedule
    with pytest.raises(CloneError) as refused:
        clone_campaign(
            source=source,
            code="2022",
            name="2022届",
            capture_day=datetime.date(2021, 11, 25),
            actor=_actor(role, student),
        )
    assert refused.value.code == "staff_only"
    assert list(Campaign.objects.all()) == [source]


@pytest.mark.parametrize("role", NOT_STAFF)
def test_only_staff_create_counselor_accounts(schedule, role):
    *_rest, student = schedule
    actor = _actor(role, student)
    before = User.objects.count()
    with pytest.raises(CounselorAccountError) as refused:
        create_counselor_accounts(names=[(1, "王芳")], actor=actor)
    assert refused.value.code == "staff_only"
    assert User.objects.count() == before
