"""What the photo service says, beside what we counted.

The fee is collected on the photo service's behalf (代收费): its own per-college count of people
photographed (its 收费条) is what it bills, so staff record it and see any difference against our
captures before remitting. And the campaign's wording of that arrangement, shown to students.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AppendOnlyModel

SERVICE_COUNT_MAX = 100_000


class FeeNotice(models.Model):
    """How the campaign's notice describes the fee: who it is collected for, and the words."""

    campaign = models.OneToOneField(
        "sessions_app.Campaign", on_delete=models.CASCADE, related_name="fee_notice", verbose_name=_("采集批次")
    )
    collected_for = models.CharField(_("代收单位"), max_length=120, help_text=_("例如：新华通讯社辽宁分社图片采集中心"))
    text = models.TextField(
        _("通知中的收费说明"),
        blank=True,
        help_text=_("学生在缴费卡片上看到的原文，例如：每人 17 元，由学院统一收取后上交"),
    )

    class Meta:
        verbose_name = _("代收费说明")
        verbose_name_plural = _("代收费说明")

    def __str__(self):
        return self.collected_for

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(_notice_key(self.campaign_id))

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(_notice_key(self.campaign_id))
        return result


def _notice_key(campaign_id: int) -> str:
    return f"fees:notice:{campaign_id}"


def notice_for(campaign_id: int) -> tuple[str, str] | None:
    """(collected_for, text) of a campaign's fee notice, cached: every student's home shows it,
    and it changes a few times a year (each save clears it; an hour bounds a missed clear)."""
    key = _notice_key(campaign_id)
    cached = cache.get(key)
    if cached is None:
        row = FeeNotice.objects.filter(campaign_id=campaign_id).values_list("collected_for", "text").first()
        cached = list(row) if row else []
        cache.set(key, cached, 3600)
    return (cached[0], cached[1]) if cached else None


def notice_of(notice: FeeNotice | None) -> tuple[str, str] | None:
    """notice_for's answer from a FeeNotice already read (with the student's page)."""
    return (notice.collected_for, notice.text) if notice else None


class ServiceCount(AppendOnlyModel):
    """One statement of the photo service's count for a college; a later one supersedes it."""

    append_only_hint = _("：如有更正，请再登记一次，以最新一次为准")

    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集批次")
    )
    college = models.ForeignKey(
        "sessions_app.College", on_delete=models.PROTECT, related_name="+", verbose_name=_("学院")
    )
    count = models.PositiveIntegerField(_("摄影方人数"), validators=[MaxValueValidator(SERVICE_COUNT_MAX)])
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    class Meta:
        verbose_name = _("摄影方收费人数")
        verbose_name_plural = _("摄影方收费人数")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__lte=SERVICE_COUNT_MAX), name="fee_service_count_at_most_max"),
        ]

    def __str__(self):
        return f"{self.college} {self.count}"


class GroupPayment(AppendOnlyModel):
    """One handover of cash for several students (a class monitor brings the class's money): one
    record with who paid and the total, allocated as one payment entry per student."""

    append_only_hint = _("：如有错误，请冲正其中的缴费记录")

    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="+", verbose_name=_("采集批次")
    )
    payer = models.CharField(_("缴款人"), max_length=64, help_text=_("例如：班长 张三"))
    method = models.CharField(_("方式"), max_length=20)
    total = models.DecimalField(_("合计"), max_digits=12, decimal_places=2)
    count = models.PositiveIntegerField(_("人数"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    idempotency_key = models.CharField(_("提交编号"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("代缴记录")
        verbose_name_plural = _("代缴记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="fee_group_payment_total_positive"),
            models.CheckConstraint(condition=Q(count__gt=0), name="fee_group_payment_count_positive"),
        ]

    def __str__(self):
        return f"{self.payer} {self.total}"


class GroupPaymentItem(AppendOnlyModel):
    """Which student's payment entry a group payment was allocated to."""

    group = models.ForeignKey(GroupPayment, on_delete=models.PROTECT, related_name="items", verbose_name=_("代缴记录"))
    entry = models.OneToOneField(
        "fees.Entry", on_delete=models.PROTECT, related_name="group_item", verbose_name=_("费用记录")
    )

    class Meta:
        verbose_name = _("代缴明细")
        verbose_name_plural = _("代缴明细")

    def __str__(self):
        return f"{self.group} · {self.entry_id}"


class ConfirmationReversal(AppendOnlyModel):
    """教务处 takes back a confirmation (a wrong amount typed, the wrong slip confirmed): the
    confirmation stays on record beside this, its remittance is withdrawn with it, and the college
    remits those entries again on a new slip that 教务处 confirms afresh."""

    confirmation = models.OneToOneField(
        "fees.RemittanceConfirmation", on_delete=models.PROTECT, related_name="reversal", verbose_name=_("到账确认")
    )
    reason = models.CharField(_("原因"), max_length=200)
    reversed_at = models.DateTimeField(_("撤销时间"), auto_now_add=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撤销人")
    )

    class Meta:
        verbose_name = _("撤销到账确认")
        verbose_name_plural = _("撤销到账确认")

    def __str__(self):
        return f"{self.confirmation} · {self.reason}"
