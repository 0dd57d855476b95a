"""Test data builders shared by every app's tests. Each call makes fresh, valid rows."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts.models import Role
from sessions_app.idcard import make_id_number
from sessions_app.models import (
    Audience,
    Campaign,
    Campus,
    CaptureGroup,
    College,
    Level,
    Location,
    Phase,
    Slot,
    Student,
)

_seq = itertools.count(1)
CAPTURE_DAY = datetime.date(2020, 11, 26)


def make_campaign(code: str | None = None, **kwargs) -> Campaign:
    n = next(_seq)
    defaults = {
        "name": f"测试批次{n}",
        "fee_per_person": Decimal("17.00"),
        "remittance_deadline": datetime.date(2020, 11, 30),
        "verification_window": 40,
        "capture_dates": "2020-11-26",
        "rules": "携带二代身份证\n不得大声喧哗",
        # In progress whatever the machine's clock says: the factories' dates are in 2020 and a
        # closed campaign sends nothing. A test of the derived phase passes phase_override="".
        "phase_override": Phase.LIVE,
    }
    defaults.update(kwargs)
    return Campaign.objects.create(code=code or f"t{n}", **defaults)


def make_college(name: str | None = None, **kwargs) -> College:
    return College.objects.get_or_create(name=name or f"测试学院{next(_seq)}", defaults=kwargs)[0]


def make_campus(name: str = "金石滩校区", **kwargs) -> Campus:
    return Campus.objects.get_or_create(name=name, defaults=kwargs)[0]


def make_slot(
    campaign: Campaign,
    *,
    group: str = "金石滩第一组",
    start: str = "08:30",
    end: str = "09:50",
    date: datetime.date = CAPTURE_DAY,
    campus: Campus | None = None,
    place: str = "大学生活动中心",
) -> Slot:
    campus = campus or make_campus()
    location, _ = Location.objects.get_or_create(campus=campus, name=place)
    capture_group, _ = CaptureGroup.objects.get_or_create(
        campaign=campaign, name=group, defaults={"location": location}
    )
    return Slot.objects.create(
        group=capture_group,
        date=date,
        start_time=datetime.time.fromisoformat(start),
        end_time=datetime.time.fromisoformat(end),
    )


def make_audience(slot: Slot, *, college=None, campus=None, level: str = "", sequence: int = 0) -> Audience:
    return Audience.objects.create(slot=slot, college=college, campus=campus, level=level, sequence=sequence)


def make_user(role: str = Role.STAFF, username: str | None = None, password: str = "pass-word-123", **kwargs):
    User = get_user_model()
    user = User.objects.create_user(username=username or f"{role}{next(_seq)}", password=password, role=role, **kwargs)
    return user


def make_desk_operator(*slots: Slot, **kwargs):
    """An operator who runs the desks of these slots' capture groups (check_in refuses any other)."""
    operator = make_user(Role.OPERATOR, **kwargs)
    operator.capture_groups.add(*{slot.group for slot in slots})
    return operator


def make_student(campaign: Campaign, college: College | None = None, **kwargs) -> Student:
    n = next(_seq)
    birth = datetime.date(1999, 1, 1) + datetime.timedelta(days=n % 3000)
    defaults = {
        "student_no": f"2017{n:06d}",
        "name": f"学生{n}",
        "gender": "男" if n % 2 else "女",
        "id_number": make_id_number(area="210202", birth=birth, sequence=n % 1000),
        "college": college or make_college(),
        "class_name": "计算机1701",
        "major": "计算机科学与技术",
        "level": Level.UNDERGRADUATE,
    }
    defaults.update(kwargs)
    if "collection_code" in defaults:
        # Only the keyed hash is stored; tests say the payload, as a student's scan would.
        from sessions_app.collection_codes import code_hash

        defaults["collection_code_hash"] = code_hash(defaults.pop("collection_code") or "")
    return Student.objects.create(campaign=campaign, **defaults)


def bulk_captures(campaign: Campaign, slot: Slot, students, captured_at: datetime.datetime) -> None:
    """Thousands of captures with their verification clocks, without the desk's per-swipe path.

    bulk_create calls no service, so the records `capture_day.services.check_in` would open are
    written here too (charges are left out: the tests using this are about reminders).
    """
    from django.utils import timezone

    from sessions_app.models import Capture
    from verification.models import VerificationRecord
    from verification.services import due_date_for

    captures = Capture.objects.bulk_create(
        Capture(campaign=campaign, student=s, slot=slot, captured_at=captured_at) for s in students
    )
    captured_on = timezone.localdate(captured_at)
    due = due_date_for(campaign=campaign, captured_on=captured_on)
    VerificationRecord.objects.bulk_create(
        VerificationRecord(
            campaign=campaign,
            student_id=c.student_id,
            capture_id=c.pk,
            captured_on=captured_on,
            due_date=due,
        )
        for c in captures
    )
