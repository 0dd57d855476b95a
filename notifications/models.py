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

from core.formatting import paren

from .messages import render


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    ROBOT = "robot", _("企业微信群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    # The send may have reached the provider before a crash, and nothing recorded its answer: it is
    # never sent again blindly. The provider is asked where it can be; otherwise staff decide.
    UNKNOWN = "unknown", _("结果未知")


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
    """Why a delivery failed, as a code; `last_error` keeps the transport's own technical text.

    Only TRANSPORT and RATE_LIMITED are retried (TRANSIENT_ERRORS): the others would fail again
    the same way, and a resent SMS costs money.
    """

    TRANSPORT = "transport", _("发送失败")
    INTERRUPTED = "interrupted", _("发送中断次数过多")
    RATE_LIMITED = "rate_limited", _("服务商限流")
    TEMPLATE = "template", _("短信模板未审核通过或不匹配")
    NO_TEMPLATE = "no_template", _("该类消息未配置短信模板")
    INVALID_ADDRESS = "invalid_address", _("手机号或企业微信账号无效")
    BALANCE = "balance", _("短信余额不足")
    CONFIG = "config", _("发送渠道配置错误")
    PROVIDER = "provider", _("服务商拒绝发送")
    UNKNOWN_OUTCOME = "unknown_outcome", _("发送结果未知")


TRANSIENT_ERRORS = frozenset({DeliveryError.TRANSPORT.value, DeliveryError.RATE_LIMITED.value})


class Delivery(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # Snapshot of the email address, phone number, WeCom user id or robot key used; never an ID number.
    address = models.CharField(_("地址"), max_length=254)
    # Which backend took the claim ("aliyun", "tencent", "wecom", "smtp", ...): an unknown outcome
    # is asked of that provider, not of whichever one is configured later.
    provider = models.CharField(_("服务商"), max_length=32, blank=True)
    # The provider's id of the accepted message (Alibaba BizId, Tencent SerialNo, WeCom msgid, Message-ID).
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=128, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error_code = models.CharField(_("错误类型"), max_length=24, choices=DeliveryError.choices, blank=True)
    # The exception's type and text from the mail/SMS library, for whoever debugs it (not shown to users).
    last_error = models.CharField(_("最近错误详情"), max_length=500, blank=True)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    claim_token = models.UUIDField(_("发送凭据"), null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When an unknown outcome was last asked of the provider (the sweeper asks again only later).
    checked_at = models.DateTimeField(_("最近核对时间"), null=True, blank=True)
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
    def dedup_key(self) -> str:
        """The provider's own de-duplication key for this delivery (Alibaba OutId, Tencent
        SessionContext, the e-mail Message-ID's local part): the same on every attempt, so a
        provider that keeps it can say whether an interrupted send got through."""
        return f"pc-delivery-{self.pk}"

    @property
    def error_display(self) -> str:
        if not self.error_code:
            return ""
        label = self.get_error_code_display()
        return f"{label}{paren(self.last_error)}" if self.last_error else str(label)


class SmsProvider(models.TextChoices):
    ALIYUN = "aliyun", _("阿里云短信")
    TENCENT = "tencent", _("腾讯云短信")


class SmsTemplate(models.Model):
    """The approved provider template that carries one kind of message (a notify code).

    China's SMS providers send only an approved signature plus a template with parameters, never
    free text; a message code without a template for the configured provider is not sent by SMS
    (the delivery fails with `no_template`, and the staff page lists the code).
    """

    code = models.CharField(_("消息类型"), max_length=64)
    provider = models.CharField(_("服务商"), max_length=16, choices=SmsProvider.choices)
    template_code = models.CharField(_("模板编号"), max_length=64, help_text=_("服务商审核通过的模板 ID"))
    # Names of the template's variables, in the template's order (Tencent's {1}, {2}... are
    # positional; Alibaba's ${name} are named). Each is read from the message's data, or is one of
    # title, body, link.
    params = models.JSONField(_("模板参数"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["code", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["code", "provider"], name="sms_template_once_per_code_provider"),
        ]

    def __str__(self):
        return f"{self.code} → {self.get_provider_display()} {self.template_code}"


class ChannelPreference(models.Model):
    """How one person wants to be told, beside the in-portal inbox (always on).

    No row means the defaults of the person's role (services.ROLE_DEFAULT_CHANNELS).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_preference",
        verbose_name=_("用户"),
    )
    email = models.BooleanField(_("邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=True)
    wecom = models.BooleanField(_("企业微信"), default=True)
    # The person's WeCom user id when it is not their 学工号 (the username).
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    # A group robot's webhook key (e.g. the college's work group): messages also go to that group.
    robot_key = models.CharField(_("企业微信群机器人密钥"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("接收方式")
        verbose_name_plural = _("接收方式")

    def __str__(self):
        return str(self.user)
