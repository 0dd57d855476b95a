"""What the desk answers for a swipe: the outcome codes and the answer a swipe gets (again)."""

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core import formatting
from sessions_app.idcard import mask_code
from sessions_app.models import Capture, Shot, Slot, Student
from sessions_app.services import latest_shot


class Outcome:
    CAPTURED = "captured"
    ALREADY = "already_captured"
    WRONG_SLOT = "wrong_slot"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    DESK_CLOSED = "desk_closed"


@dataclass
class CaptureResult:
    outcome: str
    message: str
    student: Student | None = None
    capture: Capture | None = None
    expected_slot: Slot | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # True only for the swipe that wrote the capture row: what its effects (charge, clock) hang on.
    created: bool = False
    shot: Shot | None = None

    def as_dict(self) -> dict[str, Any]:
        """What the desk shows: no digit of the ID number and the student number masked.

        The person is in front of the desk with their card; the answer names them by name, college
        and class. Any digit of the ID number shown here would shrink what an operator must guess
        against the offline digest's tags (capture_day.digest), and the area code, sequence and
        check character shown before let a few hundred birth dates rebuild the whole number.
        """
        student = self.student
        data: dict[str, Any] = {"outcome": self.outcome, "message": self.message}
        if student is not None:
            data["student"] = {
                "name": student.name,
                "student_no": mask_code(student.student_no),
                "college": student.college.name,
                "class_name": student.class_name,
            }
        if self.expected_slot is not None:
            slot = self.expected_slot
            data["expected_slot"] = (
                f"{slot.group.name} {formatting.date_short(slot.date)} {slot.time_range()} {slot.group.location}"
            )
        if self.capture is not None:
            data["captured_at"] = timezone.localtime(self.capture.captured_at).strftime("%H:%M:%S")
        if self.shot is not None:
            data["shot"] = {
                "number": self.shot.number,
                "group": self.shot.group.name,
                "day": formatting.date_short(self.shot.day),
                "status": self.shot.status,
            }
        return data


def captured_answer(student: Student, capture: Capture, *, created: bool, shot: Shot | None = None) -> CaptureResult:
    if capture.wrong_slot:
        return CaptureResult(
            Outcome.WRONG_SLOT,
            _("已采集，但不是本人的时段：已标记"),
            student=student,
            capture=capture,
            expected_slot=student.assigned_slot,
            created=created,
            shot=shot,
        )
    return CaptureResult(Outcome.CAPTURED, _("采集成功"), student=student, capture=capture, created=created, shot=shot)


def not_found_answer(masked_code: str) -> CaptureResult:
    return CaptureResult(
        Outcome.NOT_FOUND,
        _("名单中没有此人（%(code)s）：未记录任何信息，请核对证件或联系教务处") % {"code": masked_code},
    )


def answer_again(*, outcome: str, student: Student | None, capture: Capture | None, code_hint: str) -> CaptureResult:
    """The answer a recorded swipe gave, in the same words, for the same swipe sent again."""
    if outcome == Outcome.NOT_FOUND or student is None or capture is None:
        return not_found_answer(code_hint)
    if outcome == Outcome.ALREADY:
        return already_answer(student, capture)
    return captured_answer(student, capture, created=False, shot=latest_shot(capture))


def already_answer(student: Student, capture: Capture) -> CaptureResult:
    when = formatting.datetime_day(capture.captured_at)
    return CaptureResult(
        Outcome.ALREADY,
        _("已于 %(when)s 采集过，本次未重复记录") % {"when": when},
        student=student,
        capture=capture,
        # The number taken at check-in, shown again: a second swipe takes none.
        shot=latest_shot(capture),
    )
