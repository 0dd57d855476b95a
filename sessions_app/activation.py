"""Student self-activation: a graduate proves who they are with three facts from the roster.

Here, not in accounts: the rule reads this app's rows (the roster).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event
from accounts.models import Role
from core.errors import CodedError
from core.words import Words

from .idcard import normalize_id_number
from .models import Campaign, Student

WORDS = Words(
    {
        "mismatch": lambda p: (
            _("学号、姓名与身份证号不匹配，或该学号还没有激活账号，请核对后重试")
            if p.get("what") == "reset"
            else _("学号、姓名与身份证号不匹配，请核对后重试；如确认无误请联系学院负责老师")
        ),
        "already_active": gettext_lazy("该学号的账号已经激活，请直接登录；忘记密码请联系学院负责老师"),
        "staff_only": gettext_lazy("只有教务处可以为学生开通账号"),
    },
    name="sessions_app.activation",
)


class ActivationError(CodedError):
    """Activation refused: a code for callers and the params of its words (WORDS)."""

    words = WORDS


def activate_student_account(*, student_no: str, name: str, id_number: str, password: str):
    """A graduate proves who they are with three facts from the roster, then picks a password.

    The same message answers every mismatch so the form cannot be used to probe the roster.
    """
    mismatch = ActivationError.of("mismatch")
    try:
        normalized_id = normalize_id_number(id_number)
    except ValueError:
        raise mismatch from None
    student_no = "".join((student_no or "").split())
    candidates = Student.objects.filter(
        student_no=student_no, name=(name or "").strip(), id_number=normalized_id
    ).order_by("-campaign__created_at")
    student = candidates.first()
    if student is None:
        raise mismatch
    User = get_user_model()
    existing = Student.objects.filter(student_no=student_no, user__isnull=False).select_related("user").first()
    if existing is not None:
        raise ActivationError.of("already_active")
    if User.objects.filter(username=student_no).exists():
        raise ActivationError.of("already_active")
    provisional = User(username=student_no, display_name=student.name, role=Role.STUDENT)
    validate_password(password, provisional)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=student_no, password=password, display_name=student.name, role=Role.STUDENT
            )
            candidates.update(user=user)
            record_event(
                actor=user,
                action="account.activate",
                campaign=student.campaign,
                obj=student,
                data={"student_id": student.pk},
            )
    except IntegrityError:
        raise ActivationError.of("already_active") from None
    return user


def open_student_accounts(*, actor, campaign: Campaign) -> int:
    """Staff open an account, with no password, for every student of the roster who has none, so
    that the campus sign-on (which never creates accounts) finds them: nobody then has to
    self-activate with an ID number. A number that already has an account (an earlier year's, or
    one the student activated) is linked, not duplicated. Returns how many accounts were opened."""
    if actor is not None and not actor.is_academic_staff:
        raise ActivationError.of("staff_only")
    User = get_user_model()
    with transaction.atomic():
        waiting = list(
            Student.objects.filter(campaign=campaign, user__isnull=True)
            .order_by("student_no")
            .values_list("student_no", "name")
        )
        numbers = [number for number, _name in waiting]
        existing = set(User.objects.filter(username__in=numbers).values_list("username", flat=True))
        taken = set(
            Student.objects.filter(student_no__in=numbers, user__isnull=False).values_list("student_no", flat=True)
        )
        fresh = []
        for number, name in waiting:
            if number in existing or number in taken:
                continue
            user = User(username=number, display_name=name, role=Role.STUDENT)
            user.set_unusable_password()
            fresh.append(user)
            existing.add(number)
        User.objects.bulk_create(fresh, batch_size=1000)
        # Student.user is one-to-one: link each new account to this campaign's row only.
        by_number = dict(User.objects.filter(username__in=[u.username for u in fresh]).values_list("username", "pk"))
        students = list(Student.objects.filter(campaign=campaign, user__isnull=True, student_no__in=by_number))
        for student in students:
            student.user_id = by_number[student.student_no]
        Student.objects.bulk_update(students, ["user"], batch_size=1000)
        record_event(
            actor=actor,
            action="account.open_for_roster",
            campaign=campaign,
            obj=campaign,
            data={"opened": len(fresh), "already_had_one": len(waiting) - len(fresh)},
        )
    return len(fresh)


def reset_student_password(*, student_no: str, name: str, id_number: str, password: str):
    """A graduate who forgot their password proves who they are with the same three facts as at
    activation and sets a new one. It grants nothing activation would not: anyone holding the
    facts could have activated the account in the first place. The same single message answers
    every mismatch, so the form cannot probe the roster or tell which numbers have accounts."""
    mismatch = ActivationError.of("mismatch", what="reset")
    try:
        normalized_id = normalize_id_number(id_number)
    except ValueError:
        raise mismatch from None
    student_no = "".join((student_no or "").split())
    student = (
        Student.objects.filter(student_no=student_no, name=(name or "").strip(), id_number=normalized_id)
        .order_by("-campaign__created_at")
        .first()
    )
    if student is None:
        raise mismatch
    User = get_user_model()
    user = User.objects.filter(role=Role.STUDENT, username=student_no, is_active=True).first()
    if user is None:
        raise mismatch
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_event(
            actor=user,
            action="account.password_reset",
            campaign=student.campaign,
            obj=student,
            data={"student_id": student.pk},
        )
    return user
