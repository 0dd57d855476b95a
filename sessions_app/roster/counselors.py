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

from accounts.audit import record_event
from accounts.models import Role
from core.errors import CodedError

from ..models import Campaign, College, Student
from ..refusals import COUNSELOR_ACCOUNTS
from .selectors import name_key


class CounselorAccountError(CodedError):
    """Raised as `CounselorAccountError.of(code)`; its words are in refusals.COUNSELOR_ACCOUNTS."""

    words = COUNSELOR_ACCOUNTS


@dataclass(frozen=True)
class CreatedAccount:
    name: str
    username: str
    password: str  # shown once to the staff member who created it, never stored in clear
    students: int
    college: str = ""


@dataclass(frozen=True)
class NameInCollege:
    college_id: int
    college: str
    name: str
    students: int

    @property
    def choice(self) -> str:
        """The checkbox's value: college id and name (a name may hold any character but none first)."""
        return f"{self.college_id}:{self.name}"


def names_without_account(*, campaign: Campaign | None = None) -> list[NameInCollege]:
    """(college, counselor name, number of students) for the names no account of that college
    answers to yet; one query. The same name in two colleges is two people until staff say otherwise."""
    students = Student.objects.filter(counselor__isnull=True).exclude(counselor_name="")
    if campaign is not None:
        students = students.filter(campaign=campaign)
    rows = (
        students.values("college_id", "college__name", "counselor_name")
        .annotate(n=Count("id"))
        .order_by("college__sort_order", "college__name", "counselor_name")
    )
    return [NameInCollege(row["college_id"], row["college__name"], row["counselor_name"], row["n"]) for row in rows]


def link_counselor_students(*, user) -> int:
    """Point every unlinked student who names this counselor (by name or username) at the account.

    Only in the counselor's colleges. An account without colleges (made in the admin) is linked
    only when the name is one college's alone: a name two colleges give is two people, and
    linking both colleges' students to one of them was the insiders' finding (issue 25).
    """
    if getattr(user, "role", None) != Role.COUNSELOR or not user.is_active or user.pk is None:
        return 0
    keys = {name_key(user.display_name), name_key(user.username)} - {""}
    candidates = Student.objects.filter(counselor__isnull=True).exclude(counselor_name="")
    colleges = list(user.colleges.values_list("pk", flat=True))
    if colleges:
        candidates = candidates.filter(college__in=colleges)
    matched = [
        (pk, college_id)
        for pk, name, college_id in candidates.values_list("pk", "counselor_name", "college_id")
        if name_key(name) in keys
    ]
    if not colleges and len({college_id for _pk, college_id in matched}) > 1:
        return 0
    ids = [pk for pk, _college_id in matched]
    return Student.objects.filter(pk__in=ids).update(counselor=user) if ids else 0


def _free_username(taken: set[str], start: int) -> tuple[str, int]:
    n = start
    while f"fdy{n:04d}" in taken:
        n += 1
    return f"fdy{n:04d}", n + 1


def create_counselor_accounts(*, names: list[tuple[int, str]], actor) -> list[CreatedAccount]:
    """One counselor account per (college id, name) staff confirmed, linked to that college's
    students who give the name and to no other college's; a pair an account of that college
    already answers to is skipped.

    Staff only: each new account comes with its password, shown to the one who created it.
    """
    if actor is not None and not actor.is_academic_staff:
        raise CounselorAccountError.of("staff_only")
    User = get_user_model()
    wanted = list(dict.fromkeys((college_id, n.strip()[:64]) for college_id, n in names if n and n.strip()))
    colleges = College.objects.in_bulk({college_id for college_id, _name in wanted})
    created: list[CreatedAccount] = []
    with transaction.atomic():
        existing = {
            (college_id, name_key(v))
            for *pair, college_id in User.objects.filter(role=Role.COUNSELOR, colleges__isnull=False).values_list(
                "username", "display_name", "colleges"
            )
            for v in pair
        }
        taken = set(User.objects.filter(username__startswith="fdy").values_list("username", flat=True))
        counter = 1
        for college_id, name in wanted:
            college = colleges.get(college_id)
            if college is None or (college_id, name_key(name)) in existing:
                continue
            username, counter = _free_username(taken, counter)
            taken.add(username)
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                username=username, password=password, role=Role.COUNSELOR, display_name=name
            )
            # The college first, then the link: post_save ran before the account had a college
            # (and linked nothing if another college gives the same name).
            user.colleges.add(college)
            existing.add((college_id, name_key(name)))
            link_counselor_students(user=user)
            linked = Student.objects.filter(counselor=user).count()
            created.append(CreatedAccount(name, username, password, linked, college.name))
        if created:
            record_event(
                actor=actor,
                action="roster.counselors_created",
                data={
                    "accounts": [
                        {"name": c.name, "username": c.username, "students": c.students, "college": c.college}
                        for c in created
                    ]
                },
            )
    return created
