"""The ledger's invariants held by the models and the database, not only by the services."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import AppendOnlyError, Role
from capture_day.services import check_in
from fees import services
from fees.models import Entry, FeeAccount, Kind, Method
from fees.selectors import ledger_totals
from tests.factories import make_campaign, make_college, make_desk_operator, make_slot, make_student, make_user

from .conftest import capture, key, uncapture

D = Decimal


def _payment(captured, coordinator, amount="17"):
    return services.post_payment(
        student=captured, amount=amount, method=Method.CASH, actor=coordinator, idempotency_key=key()
    ).entry


def test_models_refuse_update_and_delete(captured, coordinator):
    entry = _payment(captured, coordinator)
    entry.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == D("17.00")


def _raw_entry(acc, **kwargs):
    defaults = {
        "account": acc,
        "college_id": acc.student.college_id,
        "amount": D("17.00"),
        "idempotency_key": key(),
    }
    defaults.update(kwargs)
    with transaction.atomic():
        return Entry.objects.create(**defaults)


def test_database_refuses_non_positive_amount(captured):
    acc = FeeAccount.objects.get(student=captured)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.PAYMENT, method=Method.CASH, amount=D("0"))
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.PAYMENT, method=Method.CASH, amount=D("-17"))


def test_database_refuses_second_active_charge(captured):
    acc = FeeAccount.objects.get(student=captured)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.CHARGE)


def test_database_refuses_second_reversal(captured, coordinator):
    acc = FeeAccount.objects.get(student=captured)
    entry = _payment(captured, coordinator)
    _raw_entry(acc, kind=Kind.REVERSAL, reverses=entry, reversed_kind=Kind.PAYMENT, method=Method.CASH)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.REVERSAL, reverses=entry, reversed_kind=Kind.PAYMENT, method=Method.CASH)


def test_database_refuses_reversal_without_target_and_reversing_a_reversal(captured, coordinator):
    acc = FeeAccount.objects.get(student=captured)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.REVERSAL)
    entry = _payment(captured, coordinator)
    reversal = _raw_entry(acc, kind=Kind.REVERSAL, reverses=entry, reversed_kind=Kind.PAYMENT)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.REVERSAL, reverses=reversal, reversed_kind=Kind.REVERSAL)


def test_database_refuses_duplicate_idempotency_key(captured, coordinator):
    acc = FeeAccount.objects.get(student=captured)
    entry = _payment(captured, coordinator, amount="1")
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.PAYMENT, method=Method.CASH, idempotency_key=entry.idempotency_key)


def test_database_refuses_payment_without_method(captured):
    acc = FeeAccount.objects.get(student=captured)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.PAYMENT, method="")


# --- PostgreSQL only ------------------------------------------------------------


@pytest.mark.postgres
def test_raw_sql_update_and_delete_are_refused_by_trigger(captured, coordinator):
    entry = _payment(captured, coordinator)
    for sql in (
        "UPDATE fees_entry SET amount = 1 WHERE id = %s",
        "UPDATE fees_entry SET note = 'x' WHERE id = %s",
        "DELETE FROM fees_entry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert Entry.objects.filter(pk=entry.pk, amount=D("17.00"), note="").exists()


@pytest.mark.postgres
def test_charge_can_only_follow_a_charge_reversal_of_the_same_account(captured, coordinator, campaign, college):
    acc = FeeAccount.objects.get(student=captured)
    payment = _payment(captured, coordinator)
    payment_reversal = _raw_entry(acc, kind=Kind.REVERSAL, reverses=payment, reversed_kind=Kind.PAYMENT)
    # A second charge hiding behind a payment's reversal would make two active charges.
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.CHARGE, follows=payment_reversal)
    # Nor behind another account's charge reversal.
    other = make_student(campaign, college)
    slot = make_slot(campaign, group="组X")
    cap = check_in(campaign=campaign, slot=slot, identifier=other.student_no, operator=make_desk_operator(slot))
    uncapture(cap.capture)
    other_reversal = Entry.objects.get(account__student=other, kind=Kind.REVERSAL)
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.CHARGE, follows=other_reversal)


@pytest.mark.postgres
def test_reversal_must_match_target_account_kind_and_amount(captured, coordinator, campaign, college):
    acc = FeeAccount.objects.get(student=captured)
    payment = _payment(captured, coordinator, amount="10")
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.REVERSAL, reverses=payment, reversed_kind=Kind.PAYMENT, amount=D("5.00"))
    with pytest.raises(IntegrityError):
        _raw_entry(acc, kind=Kind.REVERSAL, reverses=payment, reversed_kind=Kind.WAIVER, amount=D("10.00"))
    other = make_student(campaign, college)
    other_acc = FeeAccount.objects.create(student=other, campaign=campaign)
    with pytest.raises(IntegrityError):
        _raw_entry(other_acc, kind=Kind.REVERSAL, reverses=payment, reversed_kind=Kind.PAYMENT, amount=D("10.00"))


THREADS = 8
PER_THREAD = 500
STUDENTS = 100
AMOUNT = D("0.34")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_coordinators_post_each_payment_once():
    """8 coordinators of one college, 500 payments each, every request sent twice (by two
    threads, at about the same time) with the same key: exactly 4,000 payments."""
    campaign = make_campaign(fee_per_person=D("17.00"))
    college = make_college(f"并发学院{uuid.uuid4().hex[:4]}")
    slot = make_slot(campaign)
    operator = make_desk_operator(slot)
    students = [make_student(campaign, college) for _ in range(STUDENTS)]
    for s in students:
        check_in(campaign=campaign, slot=slot, identifier=s.student_no, operator=operator)
    coordinators = []
    for _ in range(THREADS):
        user = make_user(Role.COORDINATOR)
        user.colleges.add(college)
        coordinators.append(user)
    requests = [
        [(students[(t * PER_THREAD + i) % STUDENTS], f"t{t}-{i}-{uuid.uuid4().hex}") for i in range(PER_THREAD)]
        for t in range(THREADS)
    ]
    errors: list[BaseException] = []
    created = [0] * THREADS
    barrier = threading.Barrier(THREADS)

    def work(t: int):
        try:
            barrier.wait()
            # Own requests, then the neighbour's again: each request arrives twice, from two threads.
            mine, neighbour = requests[t], requests[(t + 1) % THREADS]
            for own, retry in zip(mine, neighbour, strict=True):
                for student, k in (own, retry):
                    result = services.post_payment(
                        student=student, amount=AMOUNT, method=Method.WECHAT, actor=coordinators[t], idempotency_key=k
                    )
                    created[t] += result.created
        except BaseException as exc:  # surfaced below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors[:3]
    assert sum(created) == THREADS * PER_THREAD
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == THREADS * PER_THREAD
    per_student = THREADS * PER_THREAD // STUDENTS * AMOUNT
    for acc in FeeAccount.objects.filter(campaign=campaign):
        totals = ledger_totals(acc)
        assert acc.paid == totals.paid == per_student
        assert acc.balance == totals.balance == D("17.00") - per_student
    total_paid = sum(FeeAccount.objects.filter(campaign=campaign).values_list("paid", flat=True))
    assert total_paid == THREADS * PER_THREAD * AMOUNT


def _remit(captured, coordinator, campaign, college):
    from fees import remittances

    _payment(captured, coordinator)
    remittance, _created = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    return remittance


@pytest.mark.postgres
def test_a_confirmed_remittance_is_append_only_at_the_database(captured, coordinator, campaign, college, staff):
    """Issue 25: the app's database role could rewrite a confirmed remittance; a trigger refuses
    it (fees 0003), whatever account or raw SQL tries, like the ledger's."""
    from fees import remittances
    from fees.models import Remittance, RemittanceItem

    remittance = _remit(captured, coordinator, campaign, college)
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="17.00")
    item = RemittanceItem.objects.get(remittance=remittance)
    # Another student's cash payment, not remitted: the entry one would smuggle into the slip.
    other = make_student(campaign, college)
    capture(other)
    other_payment = _payment(other, coordinator)
    for sql, params in (
        ("UPDATE fees_remittance SET amount = 1 WHERE id = %s", [remittance.pk]),
        ("UPDATE fees_remittance SET note = 'x' WHERE id = %s", [remittance.pk]),
        ("UPDATE fees_remittance SET cancelled_at = now() WHERE id = %s", [remittance.pk]),
        ("DELETE FROM fees_remittance WHERE id = %s", [remittance.pk]),
        ("DELETE FROM fees_remittanceitem WHERE id = %s", [item.pk]),
        ("UPDATE fees_remittanceitem SET entry_id = %s WHERE id = %s", [other_payment.pk, item.pk]),
        (
            "INSERT INTO fees_remittanceitem (remittance_id, entry_id) VALUES (%s, %s)",
            [remittance.pk, other_payment.pk],
        ),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
    remittance.refresh_from_db()
    assert remittance.amount == D("17.00") and remittance.note == "" and remittance.cancelled_at is None
    assert list(RemittanceItem.objects.filter(remittance=remittance).values_list("pk", "entry_id")) == [
        (item.pk, item.entry_id)
    ]
    assert Remittance.objects.filter(pk=remittance.pk).exists()


@pytest.mark.postgres
def test_an_unconfirmed_remittance_can_still_be_withdrawn(captured, coordinator, campaign, college):
    from fees import remittances
    from fees.models import RemittanceItem

    remittance = _remit(captured, coordinator, campaign, college)
    remittances.cancel_remittance(remittance=remittance, actor=coordinator, reason="金额点错")
    remittance.refresh_from_db()
    assert remittance.cancelled_at is not None
    assert not RemittanceItem.objects.filter(remittance=remittance).exists()
