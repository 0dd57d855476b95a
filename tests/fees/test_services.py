from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Role
from fees import remittances, services
from fees.models import Entry, FeeAccount, Kind, Method
from fees.selectors import ledger_totals
from fees.services import FeeError
from tests.factories import make_student, make_user

from .conftest import capture, key, uncapture

D = Decimal


def account(student) -> FeeAccount:
    return FeeAccount.objects.get(student=student)


def assert_cache_matches_ledger(student):
    acc = account(student)
    totals = ledger_totals(acc)
    assert (acc.charged, acc.paid, acc.waived, acc.balance) == (
        totals.charged,
        totals.paid,
        totals.waived,
        totals.balance,
    )


def pay(student, amount, actor, k=None, method=Method.CASH):
    return services.post_payment(student=student, amount=amount, method=method, actor=actor, idempotency_key=k or key())


# --- charge on capture -------------------------------------------------------


def test_capture_posts_charge_at_current_fee(captured, campaign):
    acc = account(captured)
    assert acc.charged == D("17.00") and acc.balance == D("17.00")
    charge = Entry.objects.get(account=acc)
    assert charge.kind == Kind.CHARGE and charge.amount == D("17.00") and charge.follows is None


def test_fee_at_moment_of_capture_is_kept(campaign, college):
    first = make_student(campaign, college)
    capture(first)
    campaign.fee_per_person = D("20.00")
    campaign.save()
    second = make_student(campaign, college)
    capture(second)
    assert account(first).charged == D("17.00")
    assert account(second).charged == D("20.00")


def test_undo_capture_reverses_charge_and_recapture_charges_again(captured):
    cap = captured.captures.get()
    uncapture(cap)
    acc = account(captured)
    assert acc.charged == 0 and acc.balance == 0
    reversal = Entry.objects.get(account=acc, kind=Kind.REVERSAL)
    assert reversal.reverses.kind == Kind.CHARGE and "拍错人了" in reversal.note
    capture(captured)
    acc.refresh_from_db()
    assert acc.charged == D("17.00")
    second = Entry.objects.filter(account=acc, kind=Kind.CHARGE).order_by("-id").first()
    assert second.follows_id == reversal.pk
    assert_cache_matches_ledger(captured)


def test_the_charge_upsert_declines_an_active_charge_or_a_taken_key_and_leaves_the_totals(captured):
    """FeeAccount.charge_if_uncharged, the swipe's one-statement charge: with a charge standing (or
    its key already used) it adds nothing, and post_charge then takes the longer road."""
    acc = account(captured)
    charge = Entry.objects.get(account=acc, kind=Kind.CHARGE)
    for k in ("charge:capture:new", charge.idempotency_key):
        taken = FeeAccount.charge_if_uncharged(
            campaign_id=captured.campaign_id, student_id=captured.pk, amount=D("17.00"), key=k, now=timezone.now()
        )
        assert taken is None
    acc.refresh_from_db()
    assert acc.charged == D("17.00") and acc.balance == D("17.00")
    # post_charge for the same capture again answers the charge it posted, and posts nothing.
    assert services.post_charge(capture=captured.captures.get(), actor=None) == charge
    assert Entry.objects.filter(account=acc).count() == 1
    assert_cache_matches_ledger(captured)


def test_prepaid_student_has_credit_until_captured(student, coordinator):
    pay(student, "17", coordinator)
    acc = account(student)
    assert acc.balance == D("-17.00") and acc.credit == D("17.00")
    capture(student)
    acc.refresh_from_db()
    assert acc.balance == 0 and acc.owed == 0


def test_undo_after_payment_leaves_credit(captured, coordinator):
    pay(captured, "17.00", coordinator)
    uncapture(captured.captures.get())
    acc = account(captured)
    assert acc.balance == D("-17.00")
    assert_cache_matches_ledger(captured)


def test_free_campaign_posts_no_charge(campaign, college):
    campaign.fee_per_person = D("0")
    campaign.save()
    s = make_student(campaign, college)
    capture(s)
    assert not Entry.objects.filter(account__student=s).exists()


def test_failing_charge_rolls_back_the_capture(student, monkeypatch):
    from sessions_app.models import Capture

    def boom(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr(services, "post_charge", boom)
    with pytest.raises(RuntimeError):
        capture(student)
    assert not Capture.objects.filter(student=student).exists()


# --- payments ----------------------------------------------------------------


def test_payment_reduces_balance_and_records_who_how(captured, coordinator):
    result = pay(captured, "17.00", coordinator, method=Method.WECHAT)
    assert result.created
    entry = result.entry
    assert entry.posted_by == coordinator and entry.method == Method.WECHAT and entry.posted_at
    assert account(captured).balance == 0
    assert_cache_matches_ledger(captured)


def test_same_key_posts_once(captured, coordinator):
    k = key()
    first = pay(captured, "10", coordinator, k)
    second = pay(captured, "10", coordinator, k)
    assert first.created and not second.created
    assert second.entry.pk == first.entry.pk
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 1
    assert account(captured).balance == D("7.00")


def test_key_reused_for_other_student_is_refused(captured, coordinator, campaign, college):
    other = make_student(campaign, college)
    capture(other)
    k = key()
    pay(captured, "10", coordinator, k)
    with pytest.raises(FeeError, match="已用于另一笔记录"):
        pay(other, "10", coordinator, k)
    assert account(other).paid == 0


def test_overpayment_refused_with_clear_message(captured, coordinator):
    pay(captured, "10", coordinator)
    with pytest.raises(FeeError, match="超出应缴金额.*7.00"):
        pay(captured, "8", coordinator)
    pay(captured, "7", coordinator)
    with pytest.raises(FeeError, match="已缴清"):
        pay(captured, "0.01", coordinator)


def test_prepay_up_to_one_fee_only(student, coordinator):
    pay(student, "10", coordinator)
    with pytest.raises(FeeError, match="超出应缴金额"):
        pay(student, "7.01", coordinator)
    pay(student, "7", coordinator)
    assert account(student).credit == D("17.00")


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "大于 0"),
        ("-5", "大于 0"),
        ("1.234", "两位小数"),
        ("abc", "不是有效"),
        ("", "不能为空"),
        ("NaN", "不是有效"),
        ("1e9", "不是有效"),
        ("1000000000", "过大"),
        ("0,5", "逗号"),
    ],
)
def test_bad_amounts_refused(captured, coordinator, amount, message):
    with pytest.raises(FeeError, match=message):
        pay(captured, amount, coordinator)
    assert account(captured).paid == 0


def test_coordinator_cannot_pay_for_other_college(captured, other_coordinator):
    with pytest.raises(FeeError, match="不属于你负责的学院"):
        pay(captured, "17", other_coordinator)
    assert account(captured).paid == 0


def test_counselor_and_student_cannot_post(captured):
    for role in (Role.COUNSELOR, Role.STUDENT, Role.OPERATOR):
        with pytest.raises(FeeError, match="不能登记费用"):
            pay(captured, "17", make_user(role))


def test_mark_paid_pays_what_each_owes_all_or_nothing(campaign, college, coordinator):
    a, b, c = (make_student(campaign, college, class_name="计算机1701") for _ in range(3))
    for s in (a, b, c):
        capture(s)
    pay(b, "5", coordinator)
    k = key()
    result = services.mark_paid(students=[a, b], method=Method.CASH, actor=coordinator, idempotency_key=k)
    assert not result.errors and len(result.created) == 2 and result.total == D("29.00")
    assert account(a).balance == 0 and account(b).balance == 0
    again = services.mark_paid(students=[a, b], method=Method.CASH, actor=coordinator, idempotency_key=k)
    assert not again.created and len(again.replayed) == 2
    # One student already paid: nothing is posted for anyone.
    result = services.mark_paid(students=[a, c], method=Method.CASH, actor=coordinator, idempotency_key=key())
    assert result.errors and "已缴清" in result.errors[0] and not result.created
    assert account(c).balance == D("17.00")


def test_mark_paid_refuses_uncaptured(student, coordinator):
    result = services.mark_paid(students=[student], method=Method.CASH, actor=coordinator, idempotency_key=key())
    assert "尚未采集" in result.errors[0]


# --- refunds, waivers, reversals ----------------------------------------------


def test_refund_at_most_paid(captured, coordinator):
    pay(captured, "17", coordinator)
    with pytest.raises(FeeError, match="不能超过已缴金额"):
        services.post_refund(
            student=captured, amount="17.01", method=Method.CASH, actor=coordinator, idempotency_key=key()
        )
    services.post_refund(student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    assert account(captured).balance == D("17.00")
    assert AuditEvent.objects.filter(action="fee.refund").exists()
    assert_cache_matches_ledger(captured)


def test_waiver_staff_only_with_reason(captured, coordinator, staff):
    with pytest.raises(FeeError, match="只有教务处"):
        services.post_waiver(student=captured, amount="17", actor=coordinator, idempotency_key=key(), note="困难")
    with pytest.raises(FeeError, match="原因"):
        services.post_waiver(student=captured, amount="17", actor=staff, idempotency_key=key(), note=" ")
    services.post_waiver(student=captured, amount="17", actor=staff, idempotency_key=key(), note="家庭困难")
    acc = account(captured)
    assert acc.waived == D("17.00") and acc.balance == 0
    assert_cache_matches_ledger(captured)


def test_reversal_cancels_once_and_needs_reason(captured, coordinator):
    entry = pay(captured, "17", coordinator).entry
    with pytest.raises(FeeError, match="原因"):
        services.reverse_entry(entry=entry, actor=coordinator, reason="", idempotency_key=key())
    reversal = services.reverse_entry(entry=entry, actor=coordinator, reason="学号录错", idempotency_key=key())
    assert reversal.entry.reverses == entry and reversal.entry.amount == entry.amount
    assert account(captured).balance == D("17.00")
    with pytest.raises(FeeError, match="已经冲正过"):
        services.reverse_entry(entry=entry, actor=coordinator, reason="再来", idempotency_key=key())
    with pytest.raises(FeeError, match="不能再冲正"):
        services.reverse_entry(entry=reversal.entry, actor=coordinator, reason="撤销冲正", idempotency_key=key())
    assert_cache_matches_ledger(captured)


def test_charge_cannot_be_reversed_by_hand(captured, staff):
    charge = Entry.objects.get(kind=Kind.CHARGE)
    with pytest.raises(FeeError, match="撤销采集"):
        services.reverse_entry(entry=charge, actor=staff, reason="x", idempotency_key=key())


def test_reversal_key_replays(captured, coordinator):
    entry = pay(captured, "17", coordinator).entry
    k = key()
    first = services.reverse_entry(entry=entry, actor=coordinator, reason="错", idempotency_key=k)
    second = services.reverse_entry(entry=entry, actor=coordinator, reason="错", idempotency_key=k)
    assert first.entry.pk == second.entry.pk and not second.created


def test_other_college_coordinator_cannot_reverse(captured, coordinator, other_coordinator):
    entry = pay(captured, "17", coordinator).entry
    with pytest.raises(FeeError, match="不属于你负责的学院"):
        services.reverse_entry(entry=entry, actor=other_coordinator, reason="x", idempotency_key=key())


# --- remittance ------------------------------------------------------------------


def test_remittance_covers_unremitted_cash_and_excludes_platform(campaign, college, coordinator):
    a, b, c = (make_student(campaign, college) for _ in range(3))
    for s in (a, b, c):
        capture(s)
    pay(a, "17", coordinator)
    services.post_platform_payment(student=b, amount="17", transaction_id="P1", paid_at=timezone.now())
    remittance, created = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    assert created and remittance.amount == D("17.00") and remittance.entry_count == 1
    with pytest.raises(FeeError, match="没有待上交"):
        remittances.create_remittance(campaign=campaign, college=college, actor=coordinator, idempotency_key=key())
    pay(c, "17", coordinator)
    second, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    assert second.amount == D("17.00")


def test_remittance_key_replays(captured, campaign, college, coordinator):
    pay(captured, "17", coordinator)
    k = key()
    first, created = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=k
    )
    again, created_again = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=k
    )
    assert created and not created_again and first.pk == again.pk


def test_other_coordinator_cannot_remit(captured, campaign, college, coordinator, other_coordinator):
    pay(captured, "17", coordinator)
    with pytest.raises(FeeError, match="你不负责"):
        remittances.create_remittance(
            campaign=campaign, college=college, actor=other_coordinator, idempotency_key=key()
        )


def test_confirm_records_difference_and_only_staff(captured, campaign, college, coordinator, staff):
    pay(captured, "17", coordinator)
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    with pytest.raises(FeeError, match="只有教务处"):
        remittances.confirm_remittance(remittance=remittance, actor=coordinator, received_amount="17")
    confirmation = remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="15.00")
    assert confirmation.difference == D("-2.00")
    # Same figure again is a replay; a different one is refused: the record stays as first confirmed.
    assert (
        remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="15").pk == confirmation.pk
    )
    with pytest.raises(FeeError, match="不能再改"):
        remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="17")


def test_confirmed_entries_reversed_only_by_staff_with_reason(captured, campaign, college, coordinator, staff):
    entry = pay(captured, "17", coordinator).entry
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="17")
    with pytest.raises(FeeError, match="只有教务处可以冲正"):
        services.reverse_entry(entry=entry, actor=coordinator, reason="错了", idempotency_key=key())
    with pytest.raises(FeeError, match="原因"):
        services.reverse_entry(entry=entry, actor=staff, reason="", idempotency_key=key())
    reversal = services.reverse_entry(entry=entry, actor=staff, reason="重复收费", idempotency_key=key()).entry
    event = AuditEvent.objects.get(action="fee.reverse")
    assert event.data["after_confirmed_remittance"] is True
    # The reversal is cash going back out: it is the next remittance's business (negative), not hidden.
    from fees.selectors import remittable_entries

    assert list(remittable_entries(campaign=campaign, college=college)) == [reversal]


def test_unconfirmed_remittance_entries_can_be_reversed_by_coordinator(captured, campaign, college, coordinator, staff):
    entry = pay(captured, "17", coordinator).entry
    remittances.create_remittance(campaign=campaign, college=college, actor=coordinator, idempotency_key=key())
    services.reverse_entry(entry=entry, actor=coordinator, reason="收错人", idempotency_key=key())


def test_cancel_frees_entries_and_is_refused_after_confirmation(captured, campaign, college, coordinator, staff):
    pay(captured, "17", coordinator)
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    remittances.cancel_remittance(remittance=remittance, actor=coordinator, reason="未交出")
    remittance.refresh_from_db()
    assert remittance.cancelled_at is not None
    with pytest.raises(FeeError, match="已撤回"):
        remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount="17")
    again, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    remittances.confirm_remittance(remittance=again, actor=staff, received_amount="17")
    with pytest.raises(FeeError, match="不能撤回"):
        remittances.cancel_remittance(remittance=again, actor=coordinator, reason="x")


def test_payable_limit_rule(student, coordinator):
    acc_limit = services.payable_limit
    pay(student, "5", coordinator)
    assert acc_limit(account(student)) == D("12.00")
    capture(student)
    assert acc_limit(account(student)) == D("12.00")
