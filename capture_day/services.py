"""What a capture sets off, called in one transaction in the order written here.

A swipe writes the capture row (sessions_app), makes the fee due (fees) and starts the CHSI
verification clock (verification). Each step runs inside the same `transaction.atomic()`, so
a failing step rolls the capture back: a capture never exists without its charge and clock.
A new effect of a capture is one more call below, not a signal receiver somewhere else.
"""

import datetime
import uuid
from collections.abc import Collection

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fees import services as fees_services
from sessions_app import services as capture_services
from sessions_app.models import Campaign, Capture, Slot
from sessions_app.services import CaptureResult, Outcome
from verification import services as verification_services

from .models import DeskSwipe

# Campaign fields the stored verification due dates are computed from.
VERIFICATION_WINDOW_FIELDS = frozenset({"verification_window", "verification_window_unit"})


def check_in(*, campaign: Campaign, slot: Slot, identifier: str, operator, now=None) -> CaptureResult:
    """One swipe at a desk: capture row, then charge, then verification clock."""
    return _once_more_on_conflict(
        lambda: _check_in(campaign=campaign, slot=slot, identifier=identifier, operator=operator, now=now)
    )


def _check_in(*, campaign: Campaign, slot: Slot, identifier: str, operator, now=None) -> CaptureResult:
    # savepoint=False: inside record_swipe's transaction a failing step rolls back the whole
    # swipe anyway, and a savepoint would cost two more round trips on every swipe.
    with transaction.atomic(savepoint=False):
        result = capture_services.record_capture(
            campaign=campaign, slot=slot, identifier=identifier, operator=operator, now=now
        )
        if result.created:
            fees_services.post_charge(capture=result.capture, actor=operator)
            verification_services.open_record_for_capture(capture=result.capture)
    return result


def _once_more_on_conflict(run):
    """Run a swipe's transaction; if a unique constraint said no, run it once more.

    The constraints (one active capture per student, one swipe per nonce) are what keeps two
    desks, two tabs or a resent swipe from counting twice; the loser's transaction is rolled
    back whole, and its second run sees the winner's rows and answers from them.
    """
    try:
        with transaction.atomic():
            return run()
    except IntegrityError:
        with transaction.atomic():
            return run()


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

    The nonce row is written last, in the swipe's transaction: a resend (or a second connection
    with the same nonce, which waits on the unique index until the first commits) fails there,
    rolls back whatever it did, and answers what the first one recorded. Not looking the nonce
    up first keeps a first swipe, the common case, one query shorter.
    """

    def run() -> CaptureResult:
        result = _check_in(
            campaign=campaign,
            slot=slot,
            identifier=identifier,
            operator=operator,
            now=swipe_time(swiped_at, now=timezone.now()),
        )
        DeskSwipe.objects.create(
            nonce=nonce,
            slot=slot,
            operator=operator,
            outcome=result.outcome,
            student=result.student,
            capture=result.capture,
            swiped_at=swiped_at,
            code_hint=capture_services.mask_identifier(identifier) if result.student is None else "",
        )
        return result

    try:
        return _once_more_on_conflict(run)
    except IntegrityError:
        answer = _answer_of(nonce)
        if answer is None:
            raise
        return answer


def _answer_of(nonce: uuid.UUID) -> CaptureResult | None:
    swipe = (
        DeskSwipe.objects.select_related(
            "capture", "student__college", "student__assigned_slot__group__location__campus"
        )
        .filter(nonce=nonce)
        .first()
    )
    if swipe is None:
        return None
    return capture_services.answer_again(
        outcome=swipe.outcome, student=swipe.student, capture=swipe.capture, code_hint=swipe.code_hint
    )


def desk_today() -> datetime.date:
    """Today where the desks are (Asia/Shanghai); the one clock the desk's reach is judged by."""
    return timezone.localdate()


def desk_open(*, slot: Slot, today: datetime.date | None = None) -> bool:
    """A desk captures only on its own group's capture days, widened by the campaign's window.

    Any slot of the group on that day opens it, so a student who came to the wrong slot (or the
    wrong hour) is still captured that day, as the notice wants; years later nobody is.
    """
    today = today or desk_today()
    window = datetime.timedelta(days=slot.group.campaign.desk_window_days)
    return Slot.objects.filter(group_id=slot.group_id, date__range=(today - window, today + window)).exists()


def desk_closed_answer(*, slot: Slot) -> CaptureResult:
    """The answer outside the desk's days: nothing looked up, nothing written."""
    return CaptureResult(
        Outcome.DESK_CLOSED,
        _("本采集台今天不开放：%(group)s 的采集日期不是今天，未记录任何信息；如需延长，请联系教务处")
        % {"group": slot.group.name},
    )


def undo_refusal(*, capture: Capture, user, now: datetime.datetime | None = None) -> str | None:
    """None if `user` may undo this capture, else why not.

    Staff undo any capture. A desk operator who swiped the wrong card notices it on the result
    panel at once, so they may undo their own swipe, with a reason, within
    settings.DESK_UNDO_MINUTES; after that (or someone else's swipe) it is 教务处's call.
    """
    if user.is_academic_staff:
        return None
    if not user.is_operator or capture.captured_by_id != user.pk:
        return _("只能撤销自己刚刷的采集记录；其他记录请联系教务处撤销")
    minutes = settings.DESK_UNDO_MINUTES
    if (now or timezone.now()) - capture.captured_at > datetime.timedelta(minutes=minutes):
        return ngettext(
            "已超过 %(n)s 分钟，采集台不能再撤销；请联系教务处说明原因后撤销",
            "已超过 %(n)s 分钟，采集台不能再撤销；请联系教务处说明原因后撤销",
            minutes,
        ) % {"n": minutes}
    return None


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
