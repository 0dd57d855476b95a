"""Remittance: a college hands what it collected to 教务处, who confirm what arrived.

The College row is locked while a remittance is created, so two coordinators of one
college cannot cover the same entries; the Remittance row is locked for its confirmation.
"""

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_event
from core.locking import lock_row
from sessions_app.models import Campaign, College
from sessions_app.scope import visible_colleges

from .ledger import FeeError, _check_key, parse_amount
from .models import (
    ZERO,
    Remittance,
    RemittanceConfirmation,
    RemittanceItem,
    cash_delta,
)
from .models_service import SERVICE_COUNT_MAX, ConfirmationReversal, ServiceCount
from .selectors import college_figures, remittable_entries


def _check_college(actor, college: College) -> None:
    if actor is None:
        return
    if not (actor.is_academic_staff or actor.is_coordinator):
        raise FeeError.of("role_forbidden", what="remit")
    if not visible_colleges(actor).filter(pk=college.pk).exists():
        raise FeeError.of("out_of_scope", college=college.name)


def create_remittance(
    *, campaign: Campaign, college: College, actor, idempotency_key: str, note: str = ""
) -> tuple[Remittance, bool]:
    """Hand 教务处 everything collected and not yet remitted; returns (remittance, created)."""
    key = _check_key(idempotency_key)
    _check_college(actor, college)
    with transaction.atomic():
        # Two coordinators of one college remitting at once would cover the same entries.
        lock_row(College.objects.filter(pk=college.pk), required=False)
        existing = Remittance.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.college_id != college.pk or existing.campaign_id != campaign.pk:
                raise FeeError.of("key_reused")
            return existing, False
        entries = list(
            remittable_entries(campaign=campaign, college=college).only("id", "kind", "reversed_kind", "amount")
        )
        amount = sum((cash_delta(e.kind, e.reversed_kind, e.amount) for e in entries), ZERO)
        if not entries or amount <= 0:
            raise FeeError.of("nothing_to_remit", college=college.name)
        figures = college_figures(campaign=campaign, college=college)
        remittance = Remittance.objects.create(
            campaign=campaign,
            college=college,
            amount=amount,
            entry_count=len(entries),
            captured_count=figures.captured,
            expected=figures.expected,
            collected=figures.collected,
            remitted_before=figures.remitted,
            unpaid_count=figures.unpaid_count,
            outstanding_after=figures.outstanding - amount,
            submitted_by=actor if getattr(actor, "pk", None) else None,
            note=(note or "")[:200],
            idempotency_key=key,
        )
        RemittanceItem.objects.bulk_create([RemittanceItem(remittance=remittance, entry_id=e.pk) for e in entries])
        record_event(
            actor=actor,
            action="fee.remittance.submit",
            campaign=campaign,
            obj=remittance,
            data={"college_id": college.pk, "amount": str(amount), "entries": len(entries)},
        )
    return remittance, True


def cancel_remittance(*, remittance: Remittance, actor, reason: str) -> Remittance:
    """Withdraw a remittance 教务处 has not confirmed; its entries become remittable again."""
    reason = (reason or "").strip()
    if not reason:
        raise FeeError.of("reason_missing", what="withdraw")
    _check_college(actor, remittance.college)
    with transaction.atomic():
        remittance = lock_row(Remittance.objects.filter(pk=remittance.pk))
        if remittance.cancelled_at is not None:
            return remittance
        if RemittanceConfirmation.objects.filter(remittance=remittance, reversal__isnull=True).exists():
            raise FeeError.of("remittance_confirmed", what="withdraw")
        _withdraw(remittance, actor)
        record_event(
            actor=actor,
            action="fee.remittance.cancel",
            campaign=Campaign(pk=remittance.campaign_id),
            obj=remittance,
            data={"college_id": remittance.college_id, "amount": str(remittance.amount), "reason": reason},
        )
    return remittance


def _withdraw(remittance: Remittance, actor) -> None:
    remittance.cancelled_at = timezone.now()
    remittance.cancelled_by = actor if getattr(actor, "pk", None) else None
    remittance.save(update_fields=["cancelled_at", "cancelled_by"])
    RemittanceItem.objects.filter(remittance=remittance).delete()


def reverse_confirmation(*, remittance: Remittance, actor, reason: str) -> ConfirmationReversal:
    """教务处 takes back a confirmation with a reason (a wrong amount typed, the wrong slip): the
    confirmation and this reversal both stay on record, the remittance is withdrawn, and its
    entries are remittable again, so the college hands in a new slip to be confirmed afresh. The
    ledger is not touched."""
    if actor is None or not actor.is_academic_staff:
        raise FeeError.of("staff_only", what="reverse_confirmation")
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise FeeError.of("reason_missing", what="reverse_confirmation")
    with transaction.atomic():
        remittance = lock_row(Remittance.objects.filter(pk=remittance.pk))
        confirmation = RemittanceConfirmation.objects.filter(remittance=remittance, reversal__isnull=True).first()
        if confirmation is None:
            raise FeeError.of("not_confirmed")
        reversal = ConfirmationReversal.objects.create(confirmation=confirmation, reason=reason, reversed_by=actor)
        _withdraw(remittance, actor)
        record_event(
            actor=actor,
            action="fee.remittance.reverse_confirmation",
            campaign=Campaign(pk=remittance.campaign_id),
            obj=remittance,
            data={
                "college_id": remittance.college_id,
                "received": str(confirmation.received_amount),
                "declared": str(remittance.amount),
                "reason": reason,
            },
        )
    return reversal


def confirm_remittance(*, remittance: Remittance, actor, received_amount, note: str = "") -> RemittanceConfirmation:
    """教务处 records what actually arrived; any difference to the remittance stays visible."""
    if actor is None or not actor.is_academic_staff:
        raise FeeError.of("staff_only", what="confirm")
    received = parse_amount(received_amount, allow_zero=True)
    with transaction.atomic():
        remittance = lock_row(Remittance.objects.filter(pk=remittance.pk))
        if remittance.cancelled_at is not None:
            raise FeeError.of("remittance_cancelled")
        existing = RemittanceConfirmation.objects.filter(remittance=remittance).first()
        if existing is not None:
            if existing.received_amount == received:
                return existing
            raise FeeError.of(
                "already_confirmed", when=existing.confirmed_at.isoformat(), amount=str(existing.received_amount)
            )
        confirmation = RemittanceConfirmation.objects.create(
            remittance=remittance, received_amount=received, confirmed_by=actor, note=(note or "")[:200]
        )
        record_event(
            actor=actor,
            action="fee.remittance.confirm",
            campaign=Campaign(pk=remittance.campaign_id),
            obj=remittance,
            data={
                "college_id": remittance.college_id,
                "received": str(received),
                "declared": str(remittance.amount),
                "note": confirmation.note,
            },
        )
    return confirmation


def record_service_count(*, campaign: Campaign, college: College, count: int, actor, note: str = "") -> ServiceCount:
    """教务处 records the photo service's own count of people it photographed for a college (its
    收费条), the basis of its bill; the reconciliation shows it beside ours."""
    if actor is None or not actor.is_academic_staff:
        raise FeeError.of("staff_only", what="service_count")
    if count < 0 or count > SERVICE_COUNT_MAX:
        raise FeeError.of("count_out_of_range", max=SERVICE_COUNT_MAX)
    with transaction.atomic():
        row = ServiceCount.objects.create(
            campaign=campaign, college=college, count=count, note=(note or "")[:200], recorded_by=actor
        )
        record_event(
            actor=actor,
            action="fee.service_count",
            campaign=campaign,
            obj=row,
            data={"college_id": college.pk, "count": count},
        )
    return row
