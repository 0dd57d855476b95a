"""Each verification service that acts for a person refuses, with a coded VerificationError and
nothing written, what that person may not do, whoever calls it."""

import datetime

import pytest

from accounts.models import AuditEvent, Role
from tests.factories import make_college, make_student, make_user
from tests.verification.conftest import capture
from verification import services
from verification.models import ProblemReport, ProblemType, ReportStatus, ReportStep, VerificationRecord

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 11, 26)


@pytest.fixture
def captured(student_factory):
    student = student_factory(user=make_user(Role.STUDENT))
    capture(student, on=DAY)
    return student


@pytest.fixture
def report(captured):
    return services.report_problem(
        student=captured, problem_type=ProblemType.WRONG_DATA, description="姓名错字", actor=captured.user
    )


def _refused(code, call, **kwargs):
    with pytest.raises(services.VerificationError) as refused:
        call(**kwargs)
    assert refused.value.code == code


def _unchanged(report):
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert ReportStep.objects.filter(report=report).count() == 1


@pytest.mark.parametrize("role", [Role.STUDENT, Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR])
def test_only_the_student_confirms_their_own_record(captured, role):
    _refused("not_own_record", services.confirm_verification, student=captured, actor=make_user(role))
    assert VerificationRecord.objects.get(student=captured).confirmed_at is None
    assert not AuditEvent.objects.filter(action="verification.confirm").exists()


def test_another_student_cannot_withdraw_a_confirmation(captured):
    services.confirm_verification(student=captured, actor=captured.user)
    _refused("not_own_record", services.withdraw_confirmation, student=captured, actor=make_user(Role.STUDENT))
    assert VerificationRecord.objects.get(student=captured).confirmed_at is not None


def test_a_coordinator_cannot_report_a_problem_for_a_student(captured):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(captured.college)
    _refused(
        "not_own_record",
        services.report_problem,
        student=captured,
        problem_type=ProblemType.WRONG_DATA,
        description="代报",
        actor=coordinator,
    )
    assert not ProblemReport.objects.exists()


def test_a_student_cannot_close_another_students_report(report):
    _refused("not_own_record", services.close_report_by_student, report=report, actor=make_user(Role.STUDENT))
    _unchanged(report)


def test_a_coordinator_cannot_forward_another_colleges_report(report, campaign):
    other = make_user(Role.COORDINATOR)
    other.colleges.add(make_college("外国语学院"))
    _refused("out_of_scope", services.forward_report, report=report, actor=other)
    _unchanged(report)
    # 统一上报 skips it the same way.
    assert services.forward_reports(reports=[report], actor=other, note="") == (0, 1)
    _unchanged(report)


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_no_other_role_forwards(report, role):
    _refused("role_forbidden", services.forward_report, report=report, actor=make_user(role))
    _refused("role_forbidden", services.forward_reports, reports=[report], actor=make_user(role))
    _unchanged(report)


def test_the_students_coordinator_forwards(report):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(report.student.college)
    assert services.forward_report(report=report, actor=coordinator).status == ReportStatus.FORWARDED


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.STUDENT])
def test_only_staff_resolve(report, role):
    actor = make_user(role)
    if role == Role.COORDINATOR:
        actor.colleges.add(report.student.college)
    _refused("staff_only", services.resolve_report, report=report, actor=actor, note="已更正")
    _unchanged(report)


def test_a_student_of_another_campaign_row_is_not_theirs(captured, campaign, college):
    # The same person's row in another campaign is a different student: still not theirs to confirm.
    stranger = make_student(campaign, college, user=make_user(Role.STUDENT))
    _refused("not_own_record", services.confirm_verification, student=captured, actor=stranger.user)
