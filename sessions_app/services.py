"""Schedule, slot assignment, full ID numbers and 拍摄号, and `find_student` (the desk's roster lookup).

The capture row itself is written only by `capture_day.services.check_in`, behind its desk_gate."""

import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import User
from core import redact
from core.errors import CodedError
from core.locking import lock_row
from core.rows import RowBatch

from .capture_refusals import WORDS as CAPTURE_REFUSALS
from .collection_codes import code_hash as collection_code_hash
from .idcard import looks_like_id_number, mask_code
from .models import (
    Audience,
    Campaign,
    Capture,
    CaptureGroup,
    Identification,
    Phase,
    Shot,
    ShotCounter,
    ShotVoid,
    Slot,
    SlotStatus,
    Student,
)
from .phases import campaign_phase
from .refusals import PHASES, SHOTS

if TYPE_CHECKING:  # a development dependency: the checker's name for an annotated row
    from django_stubs_ext import WithAnnotations


class CaptureError(CodedError):
    """A capture-day rule refused the action: a code for callers and the params of its words
    (capture_refusals.py), raised as `CaptureError.of(code, **params)`."""

    words = CAPTURE_REFUSALS


# --- slot assignment -------------------------------------------------------


@dataclass
class SlotAssignmentSummary:
    matched: int = 0
    overridden: int = 0
    unmatched: int = 0
    ambiguous: int = 0


def match_slots(audiences: list[Audience], *, college_id: int | None, campus_id: int | None, level: str) -> set[int]:
    """Slots whose most specific matching audience beats every other match."""
    best = -1
    slots: set[int] = set()
    for audience in audiences:
        if not audience.matches(college_id=college_id, campus_id=campus_id, level=level):
            continue
        if audience.specificity > best:
            best, slots = audience.specificity, {audience.slot_id}
        elif audience.specificity == best:
            slots.add(audience.slot_id)
    return slots


def campaign_audiences(campaign: Campaign) -> list[Audience]:
    return list(Audience.objects.filter(slot__group__campaign=campaign))


def derived_slot(
    audiences: list[Audience], *, college_id: int | None, campus_id: int | None, level: str
) -> tuple[int | None, str]:
    """(the slot a student of this kind is derived to, or None; the slot status that goes with it)."""
    slots = match_slots(audiences, college_id=college_id, campus_id=campus_id, level=level)
    derived = next(iter(slots)) if len(slots) == 1 else None
    return derived, {0: SlotStatus.UNMATCHED, 1: SlotStatus.MATCHED}.get(len(slots), SlotStatus.AMBIGUOUS)


def refresh_slot_assignments(*, campaign: Campaign) -> SlotAssignmentSummary:
    """Derive every student's slot from the audiences; one UPDATE per kind of student."""
    audiences = campaign_audiences(campaign)
    students = Student.objects.filter(campaign=campaign)
    kinds = students.order_by().values_list("college_id", "campus_id", "level").distinct()
    summary = SlotAssignmentSummary()
    with transaction.atomic():
        for college_id, campus_id, level in kinds:
            derived, status = derived_slot(audiences, college_id=college_id, campus_id=campus_id, level=level)
            same_kind = students.filter(college_id=college_id, level=level, campus_id=campus_id)
            # Only rows that change are written: a re-import of 20,000 unchanged students writes nothing here.
            already = Q(derived_slot_id=derived, assigned_slot_id=derived, slot_status=status)
            same_kind.filter(slot_override__isnull=True).exclude(already).update(
                derived_slot_id=derived, assigned_slot_id=derived, slot_status=status
            )
            same_kind.filter(slot_override__isnull=False).exclude(derived_slot_id=derived).update(
                derived_slot_id=derived
            )
        students.filter(slot_override__isnull=False).exclude(
            assigned_slot_id=F("slot_override_id"), slot_status=SlotStatus.OVERRIDDEN
        ).update(assigned_slot_id=F("slot_override_id"), slot_status=SlotStatus.OVERRIDDEN)
    counts: defaultdict[str, int] = defaultdict(int)
    for status in students.values_list("slot_status", flat=True):
        counts[status] += 1
    summary.matched = counts[SlotStatus.MATCHED]
    summary.overridden = counts[SlotStatus.OVERRIDDEN]
    summary.unmatched = counts[SlotStatus.UNMATCHED]
    summary.ambiguous = counts[SlotStatus.AMBIGUOUS]
    return summary


def override_student_slot(*, student: Student, slot: Slot | None, actor: User | None, reason: str = "") -> Student:
    """Put one student in a given slot (or back to the rules with slot=None): 教务处's call only."""
    if actor is not None and not actor.is_academic_staff:
        raise CaptureError.of("staff_only")
    if slot is not None and slot.group.campaign_id != student.campaign_id:
        raise CaptureError.of("slot_other_campaign", what="student")
    with transaction.atomic():
        student = lock_row(Student.objects.filter(pk=student.pk))
        before = student.assigned_slot_id
        student.slot_override = slot
        if slot is not None:
            student.assigned_slot, student.slot_status = slot, SlotStatus.OVERRIDDEN
        else:
            student.assigned_slot = student.derived_slot
            student.slot_status = SlotStatus.MATCHED if student.derived_slot_id else SlotStatus.UNMATCHED
        student.save(update_fields=["slot_override", "assigned_slot", "slot_status", "updated_at"])
        record_event(
            actor=actor,
            action="slot.override" if slot else "slot.override_clear",
            campaign=student.campaign,
            obj=student,
            data={"student_id": student.pk, "from_slot": before, "to_slot": student.assigned_slot_id, "reason": reason},
        )
    return student


# --- full ID numbers and the desk's roster lookup -------------------------------


# Full ID numbers on a page or in an export are for staff who hold this; every showing is audited.
FULL_ID_PERMISSION = redact.FULL_ID_PERMISSION


def shows_full_id(user: User | None) -> bool:
    """user None is the command line (the operator of the server); anyone else needs the permission."""
    return user is None or user.has_perm(FULL_ID_PERMISSION)


def record_full_id_shown(*, actor: User | None, campaign: Campaign | None, where: str, rows: int) -> None:
    """Who saw whole ID numbers, when (the event's time), where and how many rows."""
    record_event(
        actor=actor,
        action="id_numbers.shown_full",
        campaign=campaign,
        data={"where": where, "rows": rows, "via": "command_line" if actor is None else "web"},
    )


def normalize_identifier(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


@dataclass(frozen=True)
class Identifier:
    """What a typed or scanned code may match, before its campaign's ways are known: the code
    normalised (an ID number is matched so), the student number as typed or upper-cased, and
    the keyed hash of a scanned 采集码 (case kept: a QR payload is not an ID)."""

    raw: str
    code: str
    numbers: frozenset[str]
    code_hash: str | None

    @classmethod
    def parse(cls, identifier: str) -> "Identifier | None":
        code = normalize_identifier(identifier)
        if not code:
            return None
        numbers = frozenset({code, "".join((identifier or "").split())})
        return cls(raw=identifier, code=code, numbers=numbers, code_hash=collection_code_hash(identifier) or None)

    def matches(self, campaign: Campaign) -> Q | None:
        """The students this code can be in `campaign` (its ways of identifying), as one filter."""
        terms = []
        if looks_like_id_number(self.code) and campaign.identifies_by(Identification.ID_CARD):
            terms.append(Q(id_number=self.code))
        if campaign.identifies_by(Identification.STUDENT_NO):
            terms.append(Q(student_no__in=self.numbers))
        if self.code_hash and campaign.identifies_by(Identification.COLLECTION_CODE):
            terms.append(Q(collection_code_hash=self.code_hash))
        match = None
        for term in terms:
            match = term if match is None else match | term
        return match


def choose_student(
    *, campaign: Campaign, identifier: Identifier, candidates: Iterable[Student]
) -> tuple[Student | None, str]:
    """The student `identifier` names in `campaign`, among students it may match; (student, method).

    The rule of the desk's lookup, whatever read the candidates: an ID number first (when it
    looks like one and the campaign identifies by ID card), then the student number, then the
    采集码's hash, each only if the campaign identifies students that way.
    """
    candidates = list(candidates)
    if looks_like_id_number(identifier.code) and campaign.identifies_by(Identification.ID_CARD):
        for student in candidates:
            if student.id_number == identifier.code:
                return student, "id_card"
    if campaign.identifies_by(Identification.STUDENT_NO):
        for student in candidates:
            if student.student_no in identifier.numbers:
                return student, "student_no"
    if identifier.code_hash and campaign.identifies_by(Identification.COLLECTION_CODE):
        for student in candidates:
            if student.collection_code_hash == identifier.code_hash:
                return student, "collection_code"
    return None, ""


def find_student(*, campaign: Campaign, identifier: str) -> tuple[Student | None, str]:
    """By ID number, student number or CHSI collection code; returns (student, method).

    The student comes with their college and their active capture, if any, as
    `student.active_capture` (read in the same query: a repeat swipe is answered from this one
    row). Their assigned slot is not joined: the desk needs it only for a wrong-slot answer,
    and reads it then (a swipe's lookup is on its hot path, and four more joins cost every swipe).
    One query for every way the campaign accepts; `choose_student` picks among what it found.
    """
    parsed = Identifier.parse(identifier)
    match = parsed.matches(campaign) if parsed is not None else None
    if parsed is None or match is None:
        return None, ""
    candidates = list(
        Student.objects.select_related("college")
        .filter(match, campaign=campaign)
        .annotate(
            active=FilteredRelation("captures", condition=Q(captures__undone_at__isnull=True)),
            active_capture_id=F("active__id"),
            active_captured_at=F("active__captured_at"),
            active_wrong_slot=F("active__wrong_slot"),
            active_slot_id=F("active__slot_id"),
        )
        .order_by("pk")
    )
    chosen, method = choose_student(campaign=campaign, identifier=parsed, candidates=candidates)
    student = next((s for s in candidates if s is chosen), None)  # the same object, with its annotations
    return (_with_active_capture(student), method) if student is not None else (None, "")


class _ActiveCapture(TypedDict):
    # The others are NULL only when active_capture_id is, and are then not read.
    active_capture_id: int | None
    active_captured_at: datetime.datetime
    active_wrong_slot: bool
    active_slot_id: int


def _with_active_capture(student: "WithAnnotations[Student, _ActiveCapture]") -> Student:
    return with_active_capture(
        student,
        capture_id=student.active_capture_id,
        captured_at=student.active_captured_at,
        wrong_slot=student.active_wrong_slot,
        slot_id=student.active_slot_id,
    )


def with_active_capture(
    student: Student, *, capture_id: int | None, captured_at: datetime.datetime, wrong_slot: bool, slot_id: int | None
) -> Student:
    """`student.active_capture`: the capture read with the student (None if they have none active)."""
    # `active_capture` is an attribute the model does not declare, kept on this one object.
    memo = vars(student)
    memo["active_capture"] = None
    if capture_id is not None:
        memo["active_capture"] = Capture(
            pk=capture_id,
            campaign_id=student.campaign_id,
            student=student,
            slot_id=slot_id,
            captured_at=captured_at,
            wrong_slot=wrong_slot,
        )
    return student


def mask_identifier(identifier: str) -> str:
    """What a desk may keep of a code it did not find: masked, whatever it looks like."""
    return _mask_identifier(identifier)


def _mask_identifier(identifier: str) -> str:
    return mask_code(normalize_identifier(identifier))


# --- 拍摄号 (shot numbers) ----------------------------------------------------


class ShotError(CodedError):
    """A 拍摄号 rule refused the action: `ShotError.of(code, **params)`, worded by refusals.SHOTS."""

    words = SHOTS


def take_shot_number(
    *, capture: Capture, group: CaptureGroup, day: datetime.date, batch: RowBatch | None = None
) -> Shot:
    """The next number of the group's day, in the caller's transaction.

    The counter row is locked (by its increment) until that transaction ends: desks of one
    group wait their turn for a few milliseconds, and a swipe that rolls back (a resent nonce,
    a race on the student) gives its number back, so numbers stay 1..N without gaps. The unique
    constraint on (group, day, number) is the last word should anything else write numbers.
    The day is the capture's Shanghai date: a swipe queued offline counts on the day it was made,
    in the order it arrives. With `batch` (the desk swipe's) the number's row is added to it and
    written when the batch is flushed in the same transaction (the Shot returned has no pk).
    """
    number = ShotCounter.take_next(group_id=group.pk, day=day)
    values = {"group": group, "day": day, "number": number, "capture": capture, "assigned_at": timezone.now()}
    if batch is not None:
        batch.add(Shot, **values)
        return Shot(**values)
    shot = Shot.objects.create(**values)
    shot.capture = capture
    return shot


def latest_shot(capture: Capture) -> Shot | None:
    """The capture's newest number (live, or voided and kept with its reason)."""
    shot = Shot.objects.filter(capture_id=capture.pk).select_related("group").order_by("-pk").first()
    if shot is not None:
        shot.capture = capture
    return shot


def shot_refusal(*, user: User, group_id: int) -> ShotError | None:
    """Staff manage any group's numbers; an operator only their own groups'; nobody else."""
    if user.is_academic_staff:
        return None
    if not user.is_operator:
        return ShotError.of("shot_role_refused")
    if not user.capture_groups.filter(pk=group_id).exists():
        return ShotError.of("shot_other_group")
    return None


def _locked_shot(*, shot: Shot, actor: User, reason: str) -> tuple[Shot, str]:
    """Check who and why, then lock the capture: every change to its numbers queues there."""
    refusal = shot_refusal(user=actor, group_id=shot.group_id)
    if refusal is not None:
        raise refusal
    reason = (reason or "").strip()
    if not reason:
        raise ShotError.of("reason_missing")
    capture = lock_row(Capture.objects.select_related("campaign", "student").filter(pk=shot.capture_id), of=("self",))
    shot = Shot.objects.select_related("group").get(pk=shot.pk)
    shot.capture = capture
    if capture.undone_at is not None:
        raise ShotError.of("capture_undone")
    return shot, reason[: Shot._meta.get_field("void_reason").max_length]


def _void(shot: Shot, *, actor: User, code: str, reason: str) -> None:
    shot.voided_at, shot.voided_by, shot.void_code, shot.void_reason = timezone.now(), actor, code, reason
    shot.save(update_fields=["voided_at", "voided_by", "void_code", "void_reason"])


def void_shot(*, shot: Shot, actor: User, reason: str) -> Shot:
    """The student left the queue: the number stays, marked voided with the reason."""
    with transaction.atomic():
        shot, reason = _locked_shot(shot=shot, actor=actor, reason=reason)
        if shot.voided_at is not None:
            raise ShotError.of("shot_already_voided")
        _void(shot, actor=actor, code=ShotVoid.LEFT, reason=reason)
        record_event(
            actor=actor,
            action="shot.void",
            campaign=shot.capture.campaign,
            obj=shot,
            data={
                "student_id": shot.capture.student_id,
                "number": shot.number,
                "day": shot.day.isoformat(),
                "reason": reason,
            },
        )
    return shot


def requeue_shot(*, shot: Shot, actor: User, reason: str) -> Shot:
    """A new number at the end of the same group's day; the old one (if still live) is voided.

    Also how a student who left (number voided) and came back gets a number again.
    """
    with transaction.atomic():
        shot, reason = _locked_shot(shot=shot, actor=actor, reason=reason)
        live = Shot.objects.filter(capture_id=shot.capture_id, voided_at__isnull=True).first()
        if live is not None and live.pk != shot.pk:
            raise ShotError.of("shot_superseded", number=live.number)
        if live is not None:
            _void(shot, actor=actor, code=ShotVoid.REQUEUED, reason=reason)
        new = take_shot_number(capture=shot.capture, group=shot.group, day=shot.day)
        new.group = shot.group
        record_event(
            actor=actor,
            action="shot.requeue",
            campaign=shot.capture.campaign,
            obj=new,
            data={
                "student_id": shot.capture.student_id,
                "number": shot.number,
                "new_number": new.number,
                "day": shot.day.isoformat(),
                "reason": reason,
            },
        )
    return new


# --- the campaign's phase ----------------------------------------------------------------------


class PhaseError(CodedError):
    """Raised as `PhaseError.of(code)`; its words are in refusals.PHASES."""

    words = PHASES


PHASE_REASON_MAX = 200


def set_campaign_phase(*, actor: User | None, campaign: Campaign, phase: str, reason: str) -> Campaign:
    """Staff set (or, with "", clear) the phase the dates cannot tell: closed early, reopened.

    A closed campaign sends nothing and pages stop opening on it, so the change is audited with
    what it was, what it became and why.
    """
    if actor is not None and not actor.is_academic_staff:
        raise PhaseError.of("staff_only")
    if phase and phase not in Phase.values:
        raise PhaseError.of("unknown_phase")
    reason = " ".join((reason or "").split())[:PHASE_REASON_MAX]
    if not reason:
        raise PhaseError.of("reason_required")
    with transaction.atomic():
        locked = lock_row(Campaign.objects.filter(pk=campaign.pk))
        before = campaign_phase(locked)
        previous = locked.phase_override
        if previous == phase:
            return locked
        locked.phase_override = phase
        locked.save(update_fields=["phase_override"])
        record_event(
            actor=actor,
            action="campaign.phase",
            campaign=locked,
            obj=locked,
            data={
                "from": before.value,
                "to": campaign_phase(locked).value,
                "override_from": previous,
                "override_to": phase,
                "reason": reason,
            },
        )
    campaign.phase_override = phase
    return locked
