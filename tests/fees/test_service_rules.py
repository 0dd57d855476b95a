"""Each fee service that acts for a person refuses, with a coded FeeError and nothing written, what
that person may not do, whoever calls it (a view, the admin, a command, a job, a future API)."""

import io

import pytest

from accounts.models import AuditEvent, Role
from fees import jobkinds, remittances, services
from fees.models import Entry, Method, Remittance, RemittanceConfirmation
from fees.payment_import import import_payments
from jobs.models import Job
from sessions_app.models import Capture
from tests.factories import make_student, make_user

from .conftest import capture, key, uncapture, xlsx

pytestmark = pytest.mark.django_db
NOT_POSTERS = [Role.STUDENT, Role.COUNSELOR, Role.OPERATOR]


def _written() -> tuple:
    return (
        Entry.objects.count(),
        Remittance.objects.count(),
        RemittanceConfirmation.objects.count(),
        AuditEvent.objects.filter(action__startswith="fee.").count(),
        Job.objects.count(),
    )


def _refused(code, call, **kwargs):
    before = _written()
    with pytest.raises(services.FeeError) as refused:
        call(**kwargs)
    assert refused.value.code == code
    assert _written() == before, "a refusal wrote something"
    return refused.value


def _pay(student, actor, amount="17.00"):
    return services.post_payment(
        student=student, amount=amount, method=Method.CASH, actor=actor, idempotency_key=key()
    ).entry


# --- who posts money ----------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_POSTERS)
def test_no_student_counselor_or_operator_posts_money(captured, staff, role):
    actor = make_user(role)
    if role == Role.COUNSELOR:
        captured.counselor = actor  # their own student: still not theirs to take money for
        captured.save(update_fields=["counselor"])
    payment = _pay(captured, staff)
    common = {"student": captured, "amount": "1.00", "actor": actor, "idempotency_key": key()}
    _refused("role_forbidden", services.post_payment, method=Method.CASH, **common)
    _refused("role_forbidden", services.post_refund, method=Method.CASH, **common)
    _refused("staff_only", services.post_waiver, note="减免", **common)
    _refused(
        "role_forbidden",
        services.mark_paid,
        students=[captured],
        method=Method.CASH,
        actor=actor,
        idempotency_key=key(),
    )
    _refused("role_forbidden", services.reverse_entry, entry=payment, actor=actor, reason="错", idempotency_key=key())


def test_a_coordinator_posts_nothing_for_another_colleges_student(captured, coordinator, other_coordinator):
    payment = _pay(captured, coordinator)
    common = {"student": captured, "amount": "1.00", "actor": other_coordinator, "idempotency_key": key()}
    error = _refused("out_of_scope", services.post_payment, method=Method.CASH, **common)
    assert captured.student_no in error.message
    _refused("out_of_scope", services.post_refund, method=Method.CASH, **common)
    _refused(
        "out_of_scope",
        services.mark_paid,
        students=[captured],
        method=Method.CASH,
        actor=other_coordinator,
        idempotency_key=key(),
    )
    _refused(
        "out_of_scope",
        services.reverse_entry,
        entry=payment,
        actor=other_coordinator,
        reason="录错",
        idempotency_key=key(),
    )


def test_only_staff_waive(captured, coordinator):
    _refused(
        "staff_only",
        services.post_waiver,
        student=captured,
        amount="17.00",
        actor=coordinator,
        idempotency_key=key(),
        note="家庭困难",
    )


def test_a_coordinator_cannot_reverse_what_was_posted_for_the_college_a_student_left(
    captured, coordinator, other_coordinator, other_college
):
    payment = _pay(captured, coordinator)
    # The roster moves the student to 经管; the payment stays in 计算机's cash (and remittance).
    captured.college = other_college
    captured.save(update_fields=["college"])
    payment.refresh_from_db()
    _refused(
        "out_of_scope",
        services.reverse_entry,
        entry=payment,
        actor=other_coordinator,
        reason="录错",
        idempotency_key=key(),
    )


# --- the payment import -------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_POSTERS)
def test_no_other_role_imports_payments(captured, campaign, role):
    data = xlsx([(captured.student_no, "17", "现金", "")])
    actor = make_user(role)
    _refused("role_forbidden", import_payments, campaign=campaign, data=data, actor=actor, filename="p.xlsx")
    upload = io.BytesIO(data)
    upload.name = "p.xlsx"
    _refused("role_forbidden", jobkinds.start_check, upload=upload, campaign=campaign, user=actor)


# --- remittances --------------------------------------------------------------------


@pytest.fixture
def remittance(captured, campaign, college, coordinator):
    _pay(captured, coordinator)
    made, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    return made


def test_a_coordinator_remits_only_for_their_colleges(captured, campaign, college, coordinator, other_coordinator):
    _pay(captured, coordinator)
    _refused(
        "out_of_scope",
        remittances.create_remittance,
        campaign=campaign,
        college=college,
        actor=other_coordinator,
        idempotency_key=key(),
    )


@pytest.mark.parametrize("role", NOT_POSTERS)
def test_no_other_role_remits(captured, campaign, college, coordinator, role):
    _pay(captured, coordinator)
    actor = make_user(role)
    _refused(
        "role_forbidden",
        remittances.create_remittance,
        campaign=campaign,
        college=college,
        actor=actor,
        idempotency_key=key(),
    )


def test_another_colleges_coordinator_cannot_withdraw_a_remittance(remittance, other_coordinator):
    _refused("out_of_scope", remittances.cancel_remittance, remittance=remittance, actor=other_coordinator, reason="错")
    remittance.refresh_from_db()
    assert remittance.cancelled_at is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.STUDENT])
def test_only_staff_confirm_a_remittance(remittance, coordinator, role):
    actor = coordinator if role == Role.COORDINATOR else make_user(role)  # even the remitting college's own
    _refused("staff_only", remittances.confirm_remittance, remittance=remittance, actor=actor, received_amount="17")


# --- the charge follows the capture -----------------------------------------------------


def test_a_standing_capture_keeps_its_charge(captured, staff):
    standing = Capture.objects.get(student=captured)
    _refused("capture_not_undone", services.reverse_charge_for_capture, capture=standing, actor=staff, reason="绕过")


def test_an_undone_capture_is_not_charged_again(campaign, college, staff):
    student = make_student(campaign, college)
    undone = uncapture(capture(student))
    _refused("capture_undone", services.post_charge, capture=undone, actor=staff)


def test_the_students_own_coordinator_still_posts(captured, coordinator):
    # The refusals above are about who acts, not a broken ledger: the right actor gets through.
    assert _pay(captured, coordinator).amount == 17
