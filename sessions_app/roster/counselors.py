"""Counselors a roster names before they have an account.

The students keep the name (Student.counselor_name); staff create the missing accounts from
the list in one step, and every student naming that person is linked the moment the account
exists, whichever way it was created (here, or in the admin: see link_counselor_students).
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Role
from core.errors import CodedError

from ..models import Campaign, Student
from .selectors import name_key


class CounselorAccountError(CodedError):
    pass


@dataclass(frozen=True)
class CreatedAccount:
    name: str
    username: str
    password: str  # shown once to the staff member who created it, never stored in clear
    students: int


def names_without_account(*, campaign: Campaign | None = None) -> list[tuple[str, int]]:
    """(counselor name, number of students) for names no account answers to yet; one query."""
    students = Student.objects.filter(counselor__isnull=True).exclude(counselor_name="")
    if campaign is not None:
        students = students.filter(campaign=campaign)
    rows = students.values("counselor_name").annotate(n=Count("id")).order_by("counselor_name")
    return [(row["counselor_name"], row["n"]) for row in rows]


def link_counselor_students(*, user) -> int:
    """Point every unlinked student who names this counselor (by name or username) at the account."""
    if getattr(user, "role", None) != Role.COUNSELOR or not user.is_active:
        return 0
    keys = {name_key(user.display_name), name_key(user.username)} - {""}
    candidates = Student.objects.filter(counselor__isnull=True).exclude(counselor_name="")
    ids = [pk for pk, name in candidates.values_list("pk", "counselor_name") if name_key(name) in keys]
    return Student.objects.filter(pk__in=ids).update(counselor=user) if ids else 0


def _free_username(taken: set[str], start: int) -> tuple[str, int]:
    n = start
    while f"fdy{n:04d}" in taken:
        n += 1
    return f"fdy{n:04d}", n + 1


def create_counselor_accounts(*, names: list[str], actor) -> list[CreatedAccount]:
    """One counselor account per name (skipping names an account already answers to), students linked.

    Staff only: each new account comes with its password, shown to the one who created it.
    """
    if actor is not None and not actor.is_academic_staff:
        raise CounselorAccountError(_("只有教务处可以创建辅导员账号"), "staff_only")
    User = get_user_model()
    wanted = list(dict.fromkeys(n.strip()[:64] for n in names if n and n.strip()))
    created: list[CreatedAccount] = []
    with transaction.atomic():
        existing = {
            name_key(v)
            for pair in User.objects.filter(role=Role.COUNSELOR).values_list("username", "display_name")
            for v in pair
        }
        taken = set(User.objects.filter(username__startswith="fdy").values_list("username", flat=True))
        counter = 1
        for name in wanted:
            if name_key(name) in existing:
                continue
            username, counter = _free_username(taken, counter)
            taken.add(username)
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                username=username, password=password, role=Role.COUNSELOR, display_name=name
            )
            existing.add(name_key(name))
            # The post_save link has run already (see SessionsAppConfig.ready); this covers fixtures without it.
            link_counselor_students(user=user)
            linked = Student.objects.filter(counselor=user).count()
            created.append(CreatedAccount(name, username, password, linked))
        if created:
            record_event(
                actor=actor,
                action="roster.counselors_created",
                data={"accounts": [{"name": c.name, "username": c.username, "students": c.students} for c in created]},
            )
    return created
