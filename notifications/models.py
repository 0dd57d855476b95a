"""One message to one person (Notification) and its transport attempts (Delivery).

The Notification row *is* the in-portal inbox message; email and SMS are Delivery rows
sent by Celery. The unique key (recipient, kind, subject, step) lives on Notification, so
a job that runs twice, or two beat processes, can never record the same reminder twice.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .messages import render


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    # Exactly one of user/student: students may be notified before they activate an account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件用户"),
    )
    student = models.ForeignKey(
        "sessions_app.Student",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件学生"),
    )
    kind = models.CharField(_("类型"), max_length=40)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("关于的对象类型")
    )
    subject_id = models.PositiveBigIntegerField(_("关于的对象编号"))
    step = models.CharField(_("步骤"), max_length=32)
    # What the message says, as a code and its data (notifications.messages renders the words
    # in the reader's language): never the rendered sentence.
    code = models.CharField(_("消息类型"), max_length=64)
    data = models.JSONField(_("消息数据"), default=dict, blank=True)
    in_inbox = models.BooleanField(_("站内消息"), default=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # Set by the bulk insert that created the row: lets one INSERT ... ON CONFLICT DO NOTHING
    # be followed by one SELECT of exactly the rows that call created.
    batch = models.UUIDField(_("写入批次"), null=True, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(student__isnull=True))
                | (Q(user__isnull=True) & Q(student__isnull=False)),
                name="notification_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "subject_type", "subject_id", "step"],
                condition=Q(user__isnull=False),
                name="notification_once_per_user_key",
            ),
            models.UniqueConstraint(
                fields=["student", "kind", "subject_type", "subject_id", "step"],
                condition=Q(student__isnull=False),
                name="notification_once_per_student_key",
            ),
        ]
        indexes = [models.Index(fields=["kind", "step"], name="notification_kind_step")]

    def __str__(self):
        return self.title

    @cached_property
    def _rendered(self) -> tuple[str, str]:
        return render(self.code, self.data)

    @property
    @admin.display(description=_("标题"))
    def title(self) -> str:
        return self._rendered[0]

    @property
    @admin.display(description=_("内容"))
    def body(self) -> str:
        return self._rendered[1]


class DeliveryError(models.TextChoices):
    """Why a delivery failed, as a code; `last_error` keeps the transport's own technical text."""

    TRANSPORT = "transport", _("发送失败")
    INTERRUPTED = "interrupted", _("发送中断次数过多")


class Delivery(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # Snapshot of the email address or phone number used; never an ID number.
    address = models.CharField(_("地址"), max_length=254)
    status = models.CharField(
        _("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error_code = models.CharField(_("错误类型"), max_length=16, choices=DeliveryError.choices, blank=True)
    # The exception's type and text from the mail/SMS library, for whoever debugs it (not shown to users).
    last_error = models.CharField(_("最近错误详情"), max_length=500, blank=True)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    claim_token = models.UUIDField(_("发送凭据"), null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
            models.CheckConstraint(condition=~Q(channel="inbox"), name="delivery_external_channel_only"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="delivery_sending_is_claimed",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.address} {self.get_status_display()}"

    @property
    def error_display(self) -> str:
        if not self.error_code:
            return ""
        label = self.get_error_code_display()
        return f"{label}（{self.last_error}）" if self.last_error else str(label)
