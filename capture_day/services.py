"""What a capture sets off, called in one transaction in the order written here.

A swipe writes the capture row (sessions_app), makes the fee due (fees) and starts the CHSI
verification clock (verification). Each step runs inside the same `transaction.atomic()`, so
a failing step rolls the capture back: a capture never exists without its charge and clock.
A new effect of a capture is one more call below, not a signal receiver somewhere else.
"""

import datetime
import uuid
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from fees import services as fees_services
from sessions_app import services as capture_services
from sessions_app.models import Campaign, Capture, Slot
from sessions_app.services import CaptureResult
from verification import services as verification_services

from .models import DeskSwipe

# Campaign fields the stored verification due dates are computed from.
VERIFICATION_WINDOW_FIELDS = frozenset({"verification_window", "verification_window_unit"})


def check_in(*, campaign: Campaign, slot: Slot, identifier: str, operator, now=None) -> CaptureResult:
    """One swipe at a desk: capture row, then charge, then verification clock."""
    with transaction.atomic():
        result = capture_services.record_capture(
            campaign=campaign, slot=slot, identifier=identifier, operator=operator, now=now
        )
        if result.created:
            fees_services.post_charge(capture=result.capture, actor=operator)
            verification_services.open_record_for_capture(capture=result.capture)
    return result


# How far back a queued swipe's own time is believed: a desk offline all morning, not a wrong clock.
OFFLINE_HORIZON = datetime.timedelta(hours=12)


def swipe_time(swiped_at: datetime.datetime | None, *, now: datetime.datetime) -> datetime.datetime:
    """When a queued swipe happened: the desk's time if it is plausible, else when it arrived."""
    if swiped_at is None or swiped_at > now + datetime.timedelta(minutes=1) or swiped_at < now - OFFLINE_HORIZON:
        return now
    return min(swiped_at, now)


def record_swipe(
    *,
    campaign: Campaign,
    slot: Slot,
    identifier: str,
    operator,
    nonce: uuid.UUID,
    swiped_at: datetime.datetime | None = None,
) -> CaptureResult:
    """A swipe under a desk's nonce: checked in once, and the same answer for every resend.

    The nonce row is inserted first in the swipe's transaction: a second connection sending
    the same nonce waits on the unique index until the first commits, then reads its answer.
    """
    with transaction.atomic():
        swipe, created = DeskSwipe.objects.get_or_create(nonce=nonce, defaults={"slot": slot, "operator": operator})
        if not created:
            return _answer_of(swipe)
        result = check_in(
            campaign=campaign,
            slot=slot,
            identifier=identifier,
            operator=operator,
            now=swipe_time(swiped_at, now=timezone.now()),
        )
        swipe.outcome = result.outcome
        swipe.student = result.student
        swipe.capture = result.capture
        swipe.swiped_at = swiped_at
        if result.student is None:
            swipe.code_hint = capture_services.mask_identifier(identifier)
        swipe.save(update_fields=["outcome", "student", "capture", "swiped_at", "code_hint"])
    return result


def _answer_of(swipe: DeskSwipe) -> CaptureResult:
    swipe = DeskSwipe.objects.select_related(
        "capture", "student__college", "student__assigned_slot__group__location__campus"
    ).get(pk=swipe.pk)
    return capture_services.answer_again(
        outcome=swipe.outcome, student=swipe.student, capture=swipe.capture, code_hint=swipe.code_hint
    )


def undo_check_in(*, capture: Capture, actor, reason: str) -> Capture:
    """Undo a swipe: capture row undone, then its charge reversed, then its clock stopped."""
    with transaction.atomic():
        capture = capture_services.undo_capture(capture=capture, actor=actor, reason=reason)
        fees_services.reverse_charge_for_capture(capture=capture, actor=actor, reason=capture.undo_reason)
        verification_services.close_record_for_capture(capture=capture)
    return capture


def save_campaign(*, campaign: Campaign, changed_fields: Collection[str]) -> None:
    """Save an edited campaign and bring along what was derived from the fields that changed.

    `changed_fields` is what the editor changed (a form's `changed_data`): staff may edit the
    verification window after the shoot, and the stored due dates (kept for indexed overdue
    lists) must follow it; an edit of any other field touches no verification record.
    """
    with transaction.atomic():
        campaign.save()
        if VERIFICATION_WINDOW_FIELDS & set(changed_fields):
            verification_services.refresh_due_dates(campaign=campaign)
