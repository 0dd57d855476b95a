"""Login throttling and student self-activation."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions_app.idcard import normalize_id_number
from sessions_app.models import Student

from .audit import record_event
from .models import LoginFailure, Role


class ActivationError(Exception):
    pass


def login_blocked(*, username: str, ip_address: str, now=None) -> bool:
    since = (now or timezone.now()) - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    by_name = recent.filter(username=username.strip().lower()).count()
    by_address = recent.filter(ip_address=ip_address).count()
    # An address may serve a whole dormitory behind NAT: allow it more tries than one name.
    return by_name >= limit or by_address >= limit * 4


def record_login_failure(*, username: str, ip_address: str) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:150], ip_address=ip_address)


def clear_login_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()


def activate_student_account(*, student_no: str, name: str, id_number: str, password: str):
    """A graduate proves who they are with three facts from the roster, then picks a password.

    The same message answers every mismatch so the form cannot be used to probe the roster.
    """
    mismatch = _("学号、姓名与身份证号不匹配，请核对后重试；如确认无误请联系学院负责老师")
    try:
        normalized_id = normalize_id_number(id_number)
    except ValueError:
        raise ActivationError(mismatch) from None
    student_no = "".join((student_no or "").split())
    candidates = Student.objects.filter(
        student_no=student_no, name=(name or "").strip(), id_number=normalized_id
    ).order_by("-campaign__created_at")
    student = candidates.first()
    if student is None:
        raise ActivationError(mismatch)
    User = get_user_model()
    existing = Student.objects.filter(student_no=student_no, user__isnull=False).select_related("user").first()
    if existing is not None:
        raise ActivationError(_("该学号的账号已经激活，请直接登录；忘记密码请联系学院负责老师"))
    if User.objects.filter(username=student_no).exists():
        raise ActivationError(_("该学号的账号已经激活，请直接登录；忘记密码请联系学院负责老师"))
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
                action="account_activated",
                campaign=student.campaign,
                obj=student,
                summary=f"{student_no} 激活账号",
            )
    except IntegrityError:
        raise ActivationError(_("该学号的账号已经激活，请直接登录")) from None
    return user
