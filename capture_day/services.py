"""What a capture sets off, called in one transaction in the order written here.

A swipe writes the capture row (sessions_app), makes the fee due (fees) and starts the CHSI
verification clock (verification). Each step runs inside the same `transaction.atomic()`, so
a failing step rolls the capture back: a capture never exists without its charge and clock.
A new effect of a capture is one more call below, not a signal receiver somewhere else.
"""

from collections.abc import Collection

from django.db import transaction

from fees import services as fees_services
from sessions_app import services as capture_services
from sessions_app.models import Campaign, Capture, Slot
from sessions_app.services import CaptureResult
from verification import services as verification_services

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
