"""check_in and undo_check_in are the whole rule: called directly (an admin action, a command, an
API), they refuse what the actor may not do with a coded CaptureError and write nothing."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from capture_day.results import Outcome
from capture_day.services import check_in, undo_check_in
from fees.models import Entry, Kind
from sessions_app.models import Capture
from sessions_app.services import CaptureError
from tests.factories import CAPTURE_DAY
from verification.models import VerificationRecord

pytestmark = pytest.mark.django_db
ON_THE_DAY = datetime.datetime.combine(CAPTURE_DAY, datetime.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))


def _swipe(world, operator, student=None, slot=None):  # noqa: F811
    student = student or world.econ_student
    return check_in(
        campaign=world.campaign, slot=slot or world.slot_econ, identifier=student.student_no, operator=operator
    )


def _nothing_undone(capture):
    capture.refresh_from_db()
    assert capture.undone_at is None
    assert not Entry.objects.filter(kind=Kind.REVERSAL).exists()
    assert VerificationRecord.objects.get(capture=capture).is_active
    assert not AuditEvent.objects.filter(action="capture.undo").exists()


def _refused(code, **undo):
    with pytest.raises(CaptureError) as refused:
        undo_check_in(**undo)
    assert refused.value.code == code
    return refused.value


# --- check_in -------------------------------------------------------------------------


def test_an_operator_cannot_swipe_at_another_groups_desk(world):  # noqa: F811
    with pytest.raises(CaptureError) as refused:
        _swipe(world, world.other_operator)
    assert refused.value.code == "desk_not_yours" and "金石滩第一组" in refused.value.message
    assert not Capture.objects.exists() and not Entry.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "counselor", "student_user"])
def test_no_other_role_swipes(world, role):  # noqa: F811
    with pytest.raises(CaptureError) as refused:
        _swipe(world, getattr(world, role))
    assert refused.value.code == "role_forbidden"
    assert not Capture.objects.exists()


def test_a_closed_desk_answers_closed_and_writes_nothing_even_for_staff(world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("capture_day.services.desk_today", lambda: CAPTURE_DAY + datetime.timedelta(days=3))
    for actor in (world.operator, world.staff):
        assert _swipe(world, actor).outcome == Outcome.DESK_CLOSED
    assert not Capture.objects.exists() and not Entry.objects.exists()


def test_a_swipe_entered_with_its_time_is_judged_on_that_day(world):  # noqa: F811
    later = ON_THE_DAY + datetime.timedelta(days=30)
    result = check_in(
        campaign=world.campaign,
        slot=world.slot_econ,
        identifier=world.econ_student.student_no,
        operator=world.operator,
        now=later,
    )
    assert result.outcome == Outcome.DESK_CLOSED and not Capture.objects.exists()


# --- undo_check_in --------------------------------------------------------------------


@pytest.fixture
def swiped(world):  # noqa: F811
    """The operator's own swipe, a minute ago."""
    with time_machine.travel(ON_THE_DAY, tick=False):
        capture = _swipe(world, world.operator).capture
    return capture


def test_an_operator_undoes_their_own_swipe_within_the_window(world, swiped):  # noqa: F811
    with time_machine.travel(ON_THE_DAY + datetime.timedelta(minutes=1), tick=False):
        undone = undo_check_in(capture=swiped.pk, actor=world.operator, reason="刷错卡")
    assert undone.undone_by == world.operator and undone.undo_reason == "刷错卡"
    assert Entry.objects.filter(kind=Kind.REVERSAL).count() == 1


def test_an_operator_cannot_undo_another_operators_swipe(world, swiped):  # noqa: F811
    colleague = world.other_operator
    colleague.capture_groups.add(world.slot_econ.group)  # same desk, still not their swipe
    with time_machine.travel(ON_THE_DAY + datetime.timedelta(minutes=1), tick=False):
        _refused("undo_not_own", capture=swiped, actor=colleague, reason="刷错卡")
    _nothing_undone(swiped)


def test_an_operator_cannot_undo_after_the_window(world, swiped, settings):  # noqa: F811
    settings.DESK_UNDO_MINUTES = 5
    with time_machine.travel(ON_THE_DAY + datetime.timedelta(minutes=6), tick=False):
        refusal = _refused("undo_too_late", capture=swiped, actor=world.operator, reason="刷错卡")
    assert "已超过 5 分钟" in refusal.message
    _nothing_undone(swiped)


def test_an_operator_taken_off_the_group_cannot_undo_there(world, swiped):  # noqa: F811
    world.operator.capture_groups.clear()
    with time_machine.travel(ON_THE_DAY + datetime.timedelta(minutes=1), tick=False):
        _refused("undo_other_desk", capture=swiped, actor=world.operator, reason="刷错卡")
    _nothing_undone(swiped)


@pytest.mark.parametrize("role", ["coordinator", "counselor", "student_user"])
def test_no_other_role_undoes(world, swiped, role):  # noqa: F811
    _refused("role_forbidden", capture=swiped, actor=getattr(world, role), reason="刷错卡")
    _nothing_undone(swiped)


@pytest.mark.parametrize(("reason", "code"), [("  ", "reason_missing"), ("长" * 201, "reason_too_long")])
def test_the_reason_is_required_and_bounded(world, swiped, reason, code):  # noqa: F811
    _refused(code, capture=swiped, actor=world.staff, reason=reason)
    _nothing_undone(swiped)


def test_the_undo_page_refuses_an_empty_reason_and_keeps_a_nul_out(client, world, swiped):  # noqa: F811
    client.force_login(world.staff)
    url = reverse("capture_day:capture_undo", args=[swiped.pk])
    response = client.post(url, {"reason": " "}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "reason_missing"
    _nothing_undone(swiped)
    # A NUL is refused before the view (photocapture.middleware.RefuseNulMiddleware), nothing undone.
    response = client.post(url, {"reason": "刷错\x00卡"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_characters"
    _nothing_undone(swiped)
    assert client.post(url, {"reason": "刷错卡"}, HTTP_ACCEPT="application/json").status_code == 200
    swiped.refresh_from_db()
    assert swiped.undo_reason == "刷错卡"


def test_a_capture_is_undone_once(world, swiped):  # noqa: F811
    undo_check_in(capture=swiped, actor=world.staff, reason="刷错卡")
    _refused("already_undone", capture=swiped, actor=world.staff, reason="再撤一次")
    assert Entry.objects.filter(kind=Kind.REVERSAL).count() == 1
    assert AuditEvent.objects.filter(action="capture.undo").count() == 1


def test_staff_undo_any_capture_any_time(world, swiped):  # noqa: F811
    with time_machine.travel(timezone.now() + datetime.timedelta(days=400), tick=False):
        assert undo_check_in(capture=swiped, actor=world.staff, reason="学生申请").undone_at is not None
