"""`seed_demo`: last year's finished campaign from the notice, and this year's living one made from it."""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils.translation import ngettext

from capture_day.services import check_in
from sessions_app.models import Campaign, Capture, CaptureGroup, Level, Student
from sessions_app.services import refresh_slot_assignments

from . import live, seed
from . import schedule as plan

# The demo's reminders are recorded as sent; nothing is mailed or texted while it loads.
QUIET = {
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "SMS_BACKEND": "notifications.sms.LocmemSmsBackend",
}


@dataclass
class DemoSummary:
    campaign: Campaign  # the notice's 2021 campaign
    students: int = 0
    created_students: int = 0
    captures: int = 0
    current: live.LiveSummary | None = None
    logins: list = field(default_factory=list)
    activation: Student | None = None


def _quiet_progress(message: str) -> None:
    pass


def seed_demo(
    *,
    with_captures: bool = True,
    with_current: bool = True,
    size: float = 1.0,
    today=None,
    progress: Callable[[str], None] = _quiet_progress,
) -> DemoSummary:
    with override_settings(**QUIET), _fast_sqlite():
        return _seed(with_captures=with_captures, with_current=with_current, size=size, today=today, progress=progress)


@contextlib.contextmanager
def _fast_sqlite():
    """The loader commits thousands of small transactions (each swipe, each delivery, as on the real
    day); on SQLite each commit waits for the disk, which made the demo take minutes. A demo
    database that a crash leaves half-loaded is simply loaded again."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")


def _seed(*, with_captures, with_current, size, today, progress) -> DemoSummary:
    accounts = seed.Accounts()
    with transaction.atomic():
        campuses, colleges = seed.campuses(), seed.colleges()
        campaign = seed.notice_campaign(campuses, colleges)
        created = seed.roster(campaign, campuses, colleges, entry_year=2017, seed=2021, size=size)
        refresh_slot_assignments(campaign=campaign)
        roles = accounts.staff_and_college_roles(colleges)
        accounts.assign_counselors(campaign, roles["counselors"])
    progress(
        ngettext("%(name)s：通知中的 14 个时段，名单 %(n)s 人", "%(name)s：通知中的 14 个时段，名单 %(n)s 人", created)
        % {"name": plan.CAMPAIGN["name"], "n": created}
    )
    captures = Capture.objects.filter(campaign=campaign, undone_at__isnull=True).count()
    if with_captures and not Capture.objects.filter(campaign=campaign).exists():
        first_slots = [group.slots.order_by("start_time").first() for group in campaign.groups.order_by("sort_order")]
        captures = seed.capture_slots(
            campaign=campaign,
            slots=first_slots,
            operator=roles["staff"],
            capture=check_in,
            absent=_absent_2021,
        )
        progress(
            ngettext("%(code)s 每组第一个时段已采集 %(n)s 人", "%(code)s 每组第一个时段已采集 %(n)s 人", captures)
            % {"code": campaign.code, "n": captures}
        )
    summary = DemoSummary(
        campaign=campaign,
        students=Student.objects.filter(campaign=campaign).count(),
        created_students=created,
        captures=captures,
    )
    if with_current:
        summary.current = live.build(
            source=campaign, accounts=accounts, roles=roles, today=today, size=size, progress=progress
        )
        summary.activation = live.activation_sample(summary.current.campaign)
    summary.logins = [
        ("教务处", "jwc", seed.DEMO_PASSWORD),
        ("学院负责老师（计算机科学与工程学院）", "coord_cs", seed.DEMO_PASSWORD),
        ("辅导员（计算机科学与工程学院）", "counselor_cs", seed.DEMO_PASSWORD),
        ("采集台操作员（金石滩第一组）", "desk_jst1", seed.DEMO_PASSWORD),
        *(summary.current.logins if summary.current else _only_2021(campaign, accounts, roles)),
    ]
    return summary


def _only_2021(campaign, accounts, roles) -> list[tuple[str, str, str]]:
    """`--no-current` (the production rehearsal): the 2021 campaign alone is the live one, so its
    desk is the operator's and a 2021 student logs in (printed last: the rehearsal takes that one)."""
    roles["operator"].capture_groups.add(*CaptureGroup.objects.filter(campaign=campaign, name="金石滩第一组"))
    student = (
        Student.objects.filter(campaign=campaign, college__name="计算机科学与工程学院", level=Level.UNDERGRADUATE)
        .order_by("student_no")
        .first()
    )
    user = accounts.student(student)
    return [(f"毕业生（{student.name}）", user.username, seed.DEMO_PASSWORD)]


def _absent_2021(i: int, slot) -> bool:
    return (i * 2654435761 + slot.pk) % 100 < 4
