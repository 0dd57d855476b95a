"""Student self-activation: a graduate proves who they are with three facts from the roster.

Here, not in accounts: the rule reads this app's rows (the roster).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Role
from core.errors import CodedError

from .idcard import normalize_id_number
from .models import Student


class ActivationError(CodedError):
    """Activation refused: `message` for the student, `code` for callers."""


def activate_student_account(*, student_no: str, name: str, id_number: str, password: str):
    """A graduate proves who they are with three facts from the roster, then picks a password.

    The same message answers every mismatch so the form cannot be used to probe the roster.
    """
    mismatch = _("学号、姓名与身份证号不匹配，请核对后重试；如确认无误请联系学院负责老师")
    try:
        normalized_id = normalize_id_number(id_number)
    except ValueError:
        raise ActivationError(mismatch, "mismatch") from None
    student_no = "".join((student_no or "").split())
    candidates = Student.objects.filter(
        student_no=student_no, name=(name or "").strip(), id_number=normalized_id
    ).order_by("-campaign__created_at")
    student = candidates.first()
    if student is None:
        raise ActivationError(mismatch, "mismatch")
    User = get_user_model()
    existing = Student.objects.filter(student_no=student_no, user__isnull=False).select_related("user").first()
    if existing is not None:
        raise ActivationError(_("该学号的账号已经激活，请直接登录；忘记密码请联系学院负责老师"), "already_active")
    if User.objects.filter(username=student_no).exists():
        raise ActivationError(_("该学号的账号已经激活，请直接登录；忘记密码请联系学院负责老师"), "already_active")
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
        raise ActivationError(_("该学号的账号已经激活，请直接登录"), "already_active") from None
    return user
