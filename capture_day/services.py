"""What a capture sets off, called in one transaction in the order written here.

A swipe writes the capture row (`_record_capture`, on sessions_app's models), makes the fee
due (fees) and starts the CHSI verification clock (verification). Each step runs inside the
same `transaction.atomic()`, so a failing step rolls the capture back: a capture never exists
without its charge and clock.
A new effect of a capture is one more call below, not a signal receiver somewhere else.
"""

import datetime
import uuid
from collections.abc import Callable, Collection
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import User
from core.locking import lock_row, lock_waits_bound_sql
from core.rows import RowBatch, insert_row
from fees import services as fees_services
from sessions_app import services as capture_services
from sessions_app.models import Campaign, Capture, Slot
from sessions_app.services import CaptureError
from verification import services as verification_services

from .models import DeskSwipe
from .results import CaptureResult, Outcome, already_answer, answer_again, captured_answer, not_found_answer
from .selectors import DeskFound, GateFacts

# Campaign fields the stored verification due dates are computed from.
VERIFICATION_WINDOW_FIELDS = frozenset({"verification_window", "verification_window_unit"})


def check_in(
    *, campaign: Campaign, slot: Slot, identifier: str, operator: User | None, now: datetime.datetime | None = None
) -> CaptureResult:
    """One swipe at a desk: capture row, then charge, then verification clock.

    The whole rule of who may swipe where and when (`desk_gate`): `operator` must run this
    slot's desk (else a CaptureError), and the desk must be open on the swipe's day (`now`'s,
    else the desk's today): a closed desk answers DESK_CLOSED with nothing written (and nothing
    looked up here; the desk's swipe view reads the student with the slot, and drops it).
    """
    today = timezone.localdate(now) if now is not None else None
    closed = desk_gate(slot=slot, operator=operator, today=today)
    if closed is not None:
        return closed
    return _once_more_on_conflict(
        lambda: _check_in(campaign=campaign, slot=slot, identifier=identifier, operator=operator, now=now)
    )


def desk_gate(*, slot: Slot, operator: User | None, today: datetime.date | None = None) -> CaptureResult | None:
    """None if `operator` may swipe at this slot's desk `today`; the DESK_CLOSED answer if the desk
    is closed that day; a CaptureError if it is not theirs. Staff run any desk, an operator their
    groups' desks; operator=None is the server itself (the demo's replay), bound only by the days.
    One query: the desk's reach and the operator's group are asked together on every swipe; none
    when the slot was read by `selectors.gated_desk_slot` or `desk_swipe_slot` for this operator
    and day (the desk's swipe view reads it so: the same rule of whose desk it is) and its
    own day is within the desk's window."""
    today = today or desk_today()
    facts: GateFacts | None = vars(slot).get("gate_facts")
    if facts is not None and (facts.today != today or facts.operator_id != getattr(operator, "pk", None)):
        facts = None  # read for someone else or another day: ask again
    if operator is None or operator.is_academic_staff:
        is_open = _open_by_facts(slot, facts) if facts is not None else desk_open(slot=slot, today=today)
        return None if is_open else desk_closed_answer(slot=slot)
    if not operator.is_operator:
        raise CaptureError.of("role_forbidden")
    if facts is not None:
        mine, is_open = facts.mine, _open_by_facts(slot, facts)
    else:
        mine, is_open = (
            Slot.objects.filter(pk=slot.pk)
            .annotate(
                mine=Exists(operator.capture_groups.filter(pk=OuterRef("group_id"))),
                open=Exists(_open_slots(slot=slot, today=today)),
            )
            .values_list("mine", "open")
            .get()
        )
    if not mine:
        raise CaptureError.of("desk_not_yours", group=slot.group.name)
    return None if is_open else desk_closed_answer(slot=slot)


def _open_by_facts(slot: Slot, facts: GateFacts) -> bool:
    """desk_open without a query when the slot's own day is within the window (the slot is one of
    its group's capture days), as on every swipe of a desk opened on its day; else desk_open."""
    window = datetime.timedelta(days=slot.group.campaign.desk_window_days)
    return abs(slot.date - facts.today) <= window or desk_open(slot=slot, today=facts.today)


def _check_in(
    *,
    campaign: Campaign,
    slot: Slot,
    identifier: str,
    operator: User | None,
    now: datetime.datetime | None = None,
    batch: RowBatch | None = None,
) -> CaptureResult:
    """The swipe's writes. With `batch` (record_swipe's), the rows nothing in the swipe reads back
    (the charge's entry, the clock, the number's row, the audit event) go into it and are written
    together after the 拍摄号 is taken, with the nonce row: one round trip on PostgreSQL instead of
    five (the result's shot then has no pk). Without it (check_in) each is written at once."""
    # savepoint=False: inside record_swipe's transaction a failing step rolls back the whole
    # swipe anyway, and a savepoint would cost two more round trips on every swipe.
    with transaction.atomic(savepoint=False):
        result = _record_capture(campaign=campaign, slot=slot, identifier=identifier, operator=operator, now=now)
        if result.created:
            capture = result.capture
            assert capture is not None  # a created result carries its capture
            fees_services.post_charge(capture=capture, actor=operator, batch=batch)
            verification_services.open_record_for_capture(capture=capture, batch=batch)
            # The 拍摄号 last: its counter row is locked until commit and every desk of the group
            # queues on it, so the swipe holds it for as short a time as it can (the batch, then
            # the commit).
            result.shot = capture_services.take_shot_number(
                capture=capture, group=slot.group, day=timezone.localdate(capture.captured_at), batch=batch
            )
            record_event(
                actor=operator,
                action="capture.record",
                campaign=campaign,
                obj=capture,
                data={
                    "student_id": capture.student_id,
                    "slot_id": slot.pk,
                    "wrong_slot": capture.wrong_slot,
                    "method": capture.method,
                    "shot": result.shot.number,
                },
                batch=batch,
            )
    return result


def _record_capture(
    *, campaign: Campaign, slot: Slot, identifier: str, operator: User | None, now: datetime.datetime | None = None
) -> CaptureResult:
    """The capture row of one swipe. Idempotent: a second swipe of the same student adds nothing.

    Only the row: what a capture sets off (charge, verification clock, 拍摄号) and its audit
    event are written by `_check_in`, which wraps this in its transaction. Private to this module: the one
    door to a capture row is `check_in`/`record_swipe`, behind `desk_gate`.
    Two desks swiping one student at the same instant: the partial unique constraint
    `capture_one_active_per_student` lets one insert through and the other raises
    IntegrityError, which rolls back that swipe's transaction; check_in runs it once more and
    it answers "already captured". No row lock: the constraint is the authority, and the
    swipe stays a handful of queries (issue 14, item 4).

    A new capture takes the next 拍摄号 of the slot's group and day in the same transaction
    (`_check_in`, after the charge and the clock). Undoing the capture later keeps its number,
    shown as undone: the photographer has already called it, and the gap in their sequence must
    stay explained, not be filled by someone else.
    """
    if slot.group.campaign_id != campaign.pk:
        raise CaptureError.of("slot_other_campaign")
    # Read with the slot by selectors.desk_swipe_slot (the desk's swipe view), once: a second
    # run (a race on the student) asks again and sees the winner's capture.
    found: DeskFound | None = vars(slot).pop("desk_found", None)
    if found is not None and found.identifier == identifier:
        student, method = found.student, found.method
    else:
        student, method = capture_services.find_student(campaign=campaign, identifier=identifier)
    if student is None:
        return not_found_answer(capture_services.mask_identifier(identifier))
    active: Capture | None = vars(student)["active_capture"]
    if active is not None:
        return already_answer(student, active)
    wrong_slot = student.assigned_slot_id != slot.pk
    if wrong_slot and student.assigned_slot_id is not None:
        # The slot the answer names (find_student leaves it out: the common swipe needs none of it).
        student.assigned_slot = Slot.objects.select_related("group__location__campus").get(pk=student.assigned_slot_id)
    values = {
        "campaign": campaign,
        "student": student,
        "slot": slot,
        "captured_at": now or timezone.now(),
        "captured_by": operator,
        "method": method,
        "wrong_slot": wrong_slot,
    }
    # The swipe's writes lock rows until commit (the 拍摄号 counter, the fee account, unique
    # index entries): each wait is bounded, a busy row answers "please retry" (BusyMiddleware).
    # The bound goes with the capture's INSERT, in its round trip; the row is written without
    # Model.save (no signals on Capture; its rules are above and in its constraints).
    pk = insert_row(Capture, values, before=lock_waits_bound_sql())
    capture = Capture(pk=pk, **values)
    capture._state.adding = False
    return captured_answer(student, capture, created=True)


_T = TypeVar("_T")


def _once_more_on_conflict(run: Callable[[], _T]) -> _T:
    """Run a swipe's transaction; if a unique constraint said no, run it once more.

    The constraints (one active capture per student, one swipe per nonce) are what keeps two
    desks, two tabs or a resent swipe from counting twice; the loser's transaction is rolled
    back whole, and its second run sees the winner's rows and answers from them.
    """
    try:
        with transaction.atomic():
            return run()
    except _NonceTaken:
        raise  # the same swipe again: nothing to run twice, record_swipe answers it
    except IntegrityError:
        with transaction.atomic():
            return run()


class _NonceTaken(IntegrityError):
    """The desk's nonce row is already there: a resent swipe, answered from the first one."""


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
    operator: User,
    nonce: uuid.UUID,
    swiped_at: datetime.datetime | None = None,
) -> CaptureResult:
    """A swipe under a desk's nonce: checked in once, and the same answer for every resend.

    Bound by check_in's rule (`desk_gate`, the desk's days judged on the desk's today: a
    refused swipe writes no nonce row either).

    The nonce row is written last, in the swipe's transaction: a resend (or a second connection
    with the same nonce, which waits on the unique index until the first commits) fails there,
    rolls back whatever it did, and answers what the first one recorded. Not looking the nonce
    up first keeps a first swipe, the common case, one query shorter.
    """
    closed = desk_gate(slot=slot, operator=operator)
    if closed is not None:
        return closed

    def run() -> CaptureResult:
        writes = RowBatch()
        result = _check_in(
            campaign=campaign,
            slot=slot,
            identifier=identifier,
            operator=operator,
            now=swipe_time(swiped_at, now=timezone.now()),
            batch=writes,
        )
        writes.add(
            DeskSwipe,
            nonce=nonce,
            slot=slot,
            operator=operator,
            outcome=result.outcome,
            student=result.student,
            capture=result.capture,
            swiped_at=swiped_at,
            code_hint=capture_services.mask_identifier(identifier) if result.student is None else "",
        )
        try:
            writes.flush()
        except IntegrityError as exc:
            if getattr(exc, "model", None) is DeskSwipe:
                raise _NonceTaken(*exc.args) from exc
            raise
        return result

    try:
        return _once_more_on_conflict(run)
    except IntegrityError:
        answer = _answer_of(nonce, slot=slot, operator=operator)
        if answer is None:
            raise
        return answer


def _answer_of(nonce: uuid.UUID, *, slot: Slot, operator: User) -> CaptureResult | None:
    """The first answer to this nonce, for the desk and operator that sent it, and only them.

    A nonce is bound to the desk (slot) and operator that first sent it. Another desk or another
    operator resending it is refused with a CaptureError ("nonce_reused"), not answered: the
    first answer names a student, and a nonce is no credential. A browser draws each nonce at
    random (122 bits), so an honest desk never meets another's; a reused one is a copied request
    or a probe. It is not treated as a new swipe either: the nonce's unique row already belongs
    to the first swipe, and a second meaning for one nonce would make a resend ambiguous.
    """
    swipe = (
        DeskSwipe.objects.select_related(
            "capture", "student__college", "student__assigned_slot__group__location__campus"
        )
        .filter(nonce=nonce)
        .first()
    )
    if swipe is None:
        return None
    if swipe.slot_id != slot.pk or swipe.operator_id != operator.pk:
        raise CaptureError.of("nonce_reused")
    return answer_again(outcome=swipe.outcome, student=swipe.student, capture=swipe.capture, code_hint=swipe.code_hint)


def desk_today() -> datetime.date:
    """Today where the desks are (Asia/Shanghai); the one clock the desk's reach is judged by."""
    return timezone.localdate()


def desk_open(*, slot: Slot, today: datetime.date | None = None) -> bool:
    """A desk captures only on its own group's capture days, widened by the campaign's window.

    Any slot of the group on that day opens it, so a student who came to the wrong slot (or the
    wrong hour) is still captured that day, as the notice wants; years later nobody is.
    """
    return bool(_open_slots(slot=slot, today=today or desk_today()).exists())


def _open_slots(*, slot: Slot, today: datetime.date) -> QuerySet[Slot]:
    window = datetime.timedelta(days=slot.group.campaign.desk_window_days)
    return Slot.objects.filter(group_id=slot.group_id, date__range=(today - window, today + window))


def desk_closed_answer(*, slot: Slot) -> CaptureResult:
    """The answer outside the desk's days: nothing looked up, nothing written."""
    return CaptureResult(
        Outcome.DESK_CLOSED,
        _("本采集台今天不开放：%(group)s 的采集日期不是今天，未记录任何信息；如需延长，请联系教务处")
        % {"group": slot.group.name},
    )


def undo_refusal(*, capture: Capture, user: User, now: datetime.datetime | None = None) -> CaptureError | None:
    """None if `user` may undo this capture now, else the CaptureError saying why not.

    Staff undo any capture. A desk operator who swiped the wrong card notices it on the result
    panel at once, so they may undo their own swipe, with a reason, within
    settings.DESK_UNDO_MINUTES; after that (or someone else's swipe) it is 教务处's call.
    user=None is the server itself (a command, the demo). Reads no row: the desk asks it for
    every line of its recent list; `undo_check_in` adds the check that needs a query.
    """
    if capture.undone_at is not None:
        return CaptureError.of("already_undone")
    if user is None or user.is_academic_staff:
        return None
    if not user.is_operator:
        return CaptureError.of("role_forbidden", what="undo")
    if capture.captured_by_id != user.pk:
        return CaptureError.of("undo_not_own")
    minutes = settings.DESK_UNDO_MINUTES
    if (now or timezone.now()) - capture.captured_at > datetime.timedelta(minutes=minutes):
        return CaptureError.of("undo_too_late", n=minutes)
    return None


UNDO_REASON_MAX_LENGTH: int = Capture._meta.get_field("undo_reason").max_length or 0


def undo_check_in(*, capture: Capture | int, actor: User, reason: str, now: datetime.datetime | None = None) -> Capture:
    """Undo a swipe, the whole rule: who may (`undo_refusal`, and an operator only at a desk of
    their own groups), with a reason; then the capture row undone, its charge reversed and its
    clock stopped, in one transaction. Refusals are CaptureErrors and write nothing."""
    # A NUL cannot be stored in PostgreSQL's text: dropped, never a 500 for what a form may send.
    reason = (reason or "").replace("\x00", "").strip()
    with transaction.atomic():
        # of=("self",): the slot is an outer join (a capture may have none), which PostgreSQL will not lock.
        capture = lock_row(
            Capture.objects.select_related("student", "campaign", "slot__group").filter(
                pk=capture if isinstance(capture, int) else capture.pk
            ),
            of=("self",),
        )
        refusal = undo_refusal(capture=capture, user=actor, now=now)
        if refusal is None and actor is not None and actor.is_operator:
            if capture.slot is None or not actor.capture_groups.filter(pk=capture.slot.group_id).exists():
                refusal = CaptureError.of("undo_other_desk")
        if refusal is None and not reason:
            refusal = CaptureError.of("reason_missing")
        if refusal is None and len(reason) > UNDO_REASON_MAX_LENGTH:
            refusal = CaptureError.of("reason_too_long", n=UNDO_REASON_MAX_LENGTH)
        if refusal is not None:
            raise refusal
        _undo_capture_row(capture, actor=actor, reason=reason)
        fees_services.reverse_charge_for_capture(capture=capture, actor=actor, reason=capture.undo_reason)
        verification_services.close_record_for_capture(capture=capture)
    return capture


def _undo_capture_row(capture: Capture, *, actor: User, reason: str) -> None:
    """The capture row's half of an undo, for `undo_check_in` only, under its lock and checks.

    Here and private, not a service of sessions_app: a public "mark undone" would be a second
    door past the rule (and would leave the charge and the clock running).
    """
    capture.undone_at = timezone.now()
    capture.undone_by = actor
    capture.undo_reason = reason
    capture.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    record_event(
        actor=actor,
        action="capture.undo",
        campaign=capture.campaign,
        obj=capture,
        data={"student_id": capture.student_id, "reason": reason},
    )


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
