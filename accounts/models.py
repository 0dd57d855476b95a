from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import datetime_short


class Role(models.TextChoices):
    STAFF = "staff", _("教务处")
    COORDINATOR = "coordinator", _("学院负责老师")
    COUNSELOR = "counselor", _("辅导员")
    OPERATOR = "operator", _("采集点操作员")
    STUDENT = "student", _("毕业生")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    colleges = models.ManyToManyField(
        "sessions_app.College", blank=True, related_name="coordinators", verbose_name=_("负责学院")
    )
    capture_groups = models.ManyToManyField(
        "sessions_app.CaptureGroup", blank=True, related_name="operators", verbose_name=_("负责采集组")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_academic_staff(self) -> bool:
        return self.is_superuser or self.role == Role.STAFF

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_counselor(self) -> bool:
        return self.role == Role.COUNSELOR

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row that must never change."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(gettext("%(name)s只能追加，不能修改") % {"name": self.model._meta.verbose_name})

    def delete(self):
        raise AppendOnlyError(gettext("%(name)s只能追加，不能删除") % {"name": self.model._meta.verbose_name})


class AppendOnlyModel(models.Model):
    """Rows written once and never changed or removed: ledgers, histories, the audit trail.

    Corrections are new rows (a reversal, a later event); `append_only_hint` tells the user how.
    """

    append_only_hint = ""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(
                gettext("%(name)s不能修改%(hint)s") % {"name": self._meta.verbose_name, "hint": self.append_only_hint}
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(
            gettext("%(name)s不能删除%(hint)s") % {"name": self._meta.verbose_name, "hint": self.append_only_hint}
        )


class AuditEvent(AppendOnlyModel):
    """Who did what, when: captures, undos, overrides, imports. Never edited.

    `action` is a dotted code and `data` its JSON payload; the words a reader sees are made at
    display time by accounts.audit (never stored: a second language or a rename must not
    leave old rows in the old words).
    """

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=48, db_index=True)
    campaign = models.ForeignKey(
        "sessions_app.Campaign", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("采集批次")
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("对象类型")
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{datetime_short(self.created_at)} {self.action_label}"

    def _described(self) -> tuple[str, str]:
        if not hasattr(self, "_display"):
            from .audit_registry import describe

            describe([self])
        return self._display

    @property
    def action_label(self) -> str:
        return self._described()[0]

    @property
    def summary(self) -> str:
        return self._described()[1]


class LoginFailure(models.Model):
    """One failed login (or activation attempt), counted per account and per (account, address).

    What was typed is never stored: a student may type their ID number, or a password, into the
    username field. `identifier` is a keyed hash of the normalised text (countable, not
    readable); `shown` a masked hint for staff.
    """

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    identifier = models.CharField(_("账号（散列）"), max_length=64, db_index=True)
    shown = models.CharField(_("账号（部分隐藏）"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["identifier", "ip_address", "created_at"], name="login_failure_pair")]
