"""The verification clock each capture starts, and the problems students report.

One VerificationRecord per capture: its due date is fixed when the capture is recorded
(verification.services.due_date_for is the one rule). Undoing the capture deactivates the
record, which drops the student from pending/overdue lists and reminders but keeps it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AppendOnlyModel
from core import formatting
from core.formatting import datetime_short, paren


class ConfirmationSource(models.TextChoices):
    STUDENT = "student", _("学生自报")
    CHSI_IMPORT = "chsi_import", _("学信网状态导入")


class VerificationRecord(models.Model):
    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集批次")
    )
    student = models.ForeignKey(
        "sessions_app.Student", on_delete=models.PROTECT, related_name="verification_records", verbose_name=_("毕业生")
    )
    capture = models.OneToOneField(
        "sessions_app.Capture", on_delete=models.PROTECT, related_name="verification", verbose_name=_("采集记录")
    )
    captured_on = models.DateField(_("采集日期"))
    due_date = models.DateField(_("校对截止日期"), db_index=True)
    is_active = models.BooleanField(_("有效"), default=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmation_source = models.CharField(_("确认来源"), max_length=16, choices=ConfirmationSource.choices, blank=True)
    chsi_status = models.CharField(_("学信网状态"), max_length=32, blank=True)
    chsi_status_at = models.DateTimeField(_("学信网状态导入时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("网上校对记录")
        verbose_name_plural = _("网上校对记录")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(is_active=True), name="verification_one_active_per_student"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("captured_on")), name="verification_due_after_capture"
            ),
            models.CheckConstraint(
                condition=(Q(confirmed_at__isnull=True) & Q(confirmation_source=""))
                | (Q(confirmed_at__isnull=False) & ~Q(confirmation_source="")),
                name="verification_confirmation_has_source",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "is_active", "due_date"], name="verification_campaign_due"),
        ]

    def __str__(self):
        return gettext("学生 %(student)s 截止 %(due)s") % {
            "student": self.student_id,
            "due": formatting.date(self.due_date),
        }

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ProblemType(models.TextChoices):
    NO_PHOTO_FIND = "no_photo_find", _("学信网上没有照片，出现“找找看”窗口")
    NO_PHOTO_CONTACT = "no_photo_contact", _("学信网上没有照片，“找找看”里也没有，提示“请联系学校的学籍管理部门”")
    NO_PHOTO_NO_WINDOW = "no_photo_none", _("学信网上没有照片，两个窗口都没有出现")
    WRONG_DATA = "wrong_data", _("本人学籍信息有误")
    WRONG_PHOTO = "wrong_photo", _("照片“张冠李戴”，不是本人")


# Problems the notice sends up the chain (coordinator -> 教务处); the others the student fixes on CHSI.
ESCALATED_TYPES = frozenset({ProblemType.WRONG_DATA, ProblemType.WRONG_PHOTO})


class ReportStatus(models.TextChoices):
    SELF_HELP = "self_help", _("按提示自行处理")
    SUBMITTED = "submitted", _("已提交，待学院负责老师处理")
    FORWARDED = "forwarded", _("学院已上报教务处学籍管理老师")
    RESOLVED = "resolved", _("已处理完毕")


OPEN_STATUSES = (ReportStatus.SELF_HELP, ReportStatus.SUBMITTED, ReportStatus.FORWARDED)


class ProblemReport(models.Model):
    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集批次")
    )
    student = models.ForeignKey(
        "sessions_app.Student", on_delete=models.PROTECT, related_name="problem_reports", verbose_name=_("毕业生")
    )
    problem_type = models.CharField(_("问题类型"), max_length=20, choices=ProblemType.choices)
    description = models.TextField(_("问题说明"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("问题反馈")
        verbose_name_plural = _("问题反馈")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double click or a second tab must not file the same open problem twice.
            models.UniqueConstraint(
                fields=["student", "problem_type"],
                condition=~Q(status="resolved"),
                name="problem_one_open_per_type",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["self_help", "submitted", "forwarded", "resolved"]),
                name="problem_status_known",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="problem_campaign_status")]

    def __str__(self):
        return f"{self.get_problem_type_display()}{paren(self.get_status_display())}"

    @property
    def forwardable(self) -> bool:
        """Waiting for the college and of a kind 教务处 corrects (forward_report's own rule)."""
        return self.status == ReportStatus.SUBMITTED and self.problem_type in ESCALATED_TYPES


class StepAction(models.TextChoices):
    SUBMITTED = "submitted", _("学生提交")
    FORWARDED = "forwarded", _("学院上报教务处")
    RESOLVED = "resolved", _("处理完毕")
    CLOSED_BY_STUDENT = "closed", _("学生确认已解决")
    NOTE = "note", _("备注")


class StepNote(models.TextChoices):
    """Notes the system writes on a step; what a person typed stays in `note`."""

    CONFIRMED_ON_CHSI = "confirmed_on_chsi", _("学生已在学信网核对确认")


class ReportStep(AppendOnlyModel):
    """Who moved a report, when, with what note. Never edited."""

    report = models.ForeignKey(
        ProblemReport, on_delete=models.PROTECT, related_name="steps", verbose_name=_("问题反馈")
    )
    action = models.CharField(_("操作"), max_length=12, choices=StepAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.TextField(_("说明"), blank=True)
    note_code = models.CharField(_("系统说明"), max_length=32, choices=StepNote.choices, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {datetime_short(self.created_at)}"

    @property
    def note_display(self) -> str:
        return self.get_note_code_display() if self.note_code else self.note


# What the notice tells the student to do, per problem type (shown on the page and kept with the report).
INSTRUCTIONS = {
    ProblemType.NO_PHOTO_FIND: _(
        "点开“找找看”，找到自己的照片后点击确认，二十四小时后就会上传照片。请一天后再登录学信网核对并确认。"
    ),
    ProblemType.NO_PHOTO_CONTACT: _(
        "“找找看”里没有照片，网上显示“请联系学校的学籍管理部门”，可能是两种情况：一是自己没有参加采集照片；"
        "二是数据还没有传到教育部网站。只能过一些天再上网查看。如果你确实没有参加采集，请办理补拍。"
    ),
    ProblemType.NO_PHOTO_NO_WINDOW: _("若没有显示上面两个窗口，请换一台电脑，或改用 360 浏览器和搜狗浏览器。"),
    ProblemType.WRONG_DATA: _(
        "请联系学院的负责老师，学院统一上报学校主管学籍的老师。在这里提交后，学院负责老师会看到你的反馈并上报教务处，"
        "处理进度显示在本页。"
    ),
    ProblemType.WRONG_PHOTO: _(
        "照片“张冠李戴”：请联系学院的负责老师，学院统一上报学校主管学籍的老师。在这里提交后，学院负责老师会看到你的反馈"
        "并上报教务处，处理进度显示在本页。"
    ),
}
