"""Tokens for the read-only API: one per consumer (the student-status system, the photo service).

A token is shown once, when staff create it; only its SHA-256 is kept. A plain hash, not a
password hasher: the key is 256 random bits, so there is nothing to guess and nothing for a
slow hash to protect, and the API checks it on every request (PBKDF2 would cost each request
about as much as the page itself). The prefix is stored in clear to find the row and to let
staff tell tokens apart.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.formatting import paren

RATE_MAX = 6000


class Scope(models.TextChoices):
    """Field groups a token may read. The student number is always there: it is the join key."""

    ROSTER = "roster", _("名单信息（姓名、学院、班级、专业、层次）")
    ID_NUMBER = "id_number", _("身份证号（完整）")
    CAPTURE = "capture", _("采集状态与拍摄号")
    FEES = "fees", _("缴费状态")
    VERIFICATION = "verification", _("网上校对状态")
    RETAKES = "retakes", _("补拍状态")


def validate_scopes(value) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(v not in Scope.values for v in value):
        raise ValidationError(_("未知的数据范围"), code="unknown_scope")


class ApiToken(models.Model):
    name = models.CharField(_("名称"), max_length=100, help_text=_("调用方，例如“学籍系统”“新华社图像采集中心”"))
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("令牌散列"), max_length=64, unique=True, editable=False)
    campaigns = models.ManyToManyField(
        "sessions_app.Campaign", related_name="api_tokens", verbose_name=_("可读取的采集批次")
    )
    scopes = models.JSONField(_("数据范围"), default=list, validators=[validate_scopes])
    rate_per_minute = models.PositiveIntegerField(
        _("每分钟请求上限"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(RATE_MAX)],
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("吊销人"),
    )
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="api_token_revoker_needs_time",
            ),
            models.CheckConstraint(
                condition=Q(rate_per_minute__gte=1, rate_per_minute__lte=RATE_MAX),
                name="api_token_rate_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.name}{paren(self.prefix)}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes or () if s in Scope.values]

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or ())
