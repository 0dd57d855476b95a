"""The campaign (采集批次) and the choices its parameters take; split from models.py, which
re-exports every name, so `from sessions_app.models import Campaign` keeps working."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Sane bounds for what staff type into a campaign: photo fees are ¥15-¥20 in practice; CHSI windows
# run from 30 days to about two months of working days.
FEE_MAX = Decimal("200.00")
WINDOW_MAX_DAYS = 120
DESK_WINDOW_MAX_DAYS = 30
# Beyond any photo service (350 an hour, 600 a day per unit): a mistyped figure, not a plan.
THROUGHPUT_MAX = 10000
UNITS_MAX = 50
RETENTION_MAX_DAYS = 3650
_DATE_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_capture_dates(text: str) -> list[datetime.date]:
    """The campaign's capture days from "2020-11-26, 2020-11-27"; ValueError says what is wrong."""
    days = []
    for part in _DATE_SEPARATORS.split((text or "").strip()):
        if not part:
            continue
        try:
            days.append(datetime.date.fromisoformat(part))
        except ValueError:
            raise ValueError(part) from None
    return sorted(set(days))


def validate_capture_dates(text: str) -> None:
    try:
        days = parse_capture_dates(text)
    except ValueError as exc:
        raise ValidationError(
            _("“%(part)s”不是日期：采集日期请写成 2020-11-26，多个日期用逗号分隔"),
            code="invalid_date",
            params={"part": str(exc)[:20]},
        ) from None
    for day in days:
        if not 2000 <= day.year <= 2100:
            raise ValidationError(_("采集日期 %(day)s 不合理"), code="date_out_of_range", params={"day": day})


class Level(models.TextChoices):
    UNDERGRADUATE = "undergraduate", _("本科")
    GRADUATE = "graduate", _("研究生")
    JUNIOR = "junior", _("专科")


class WindowUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")


class Backdrop(models.TextChoices):
    """Backdrop colours an electronic photo may have; their reference RGB is in settings.PHOTO_CHECK."""

    BLUE = "blue", _("蓝色")
    WHITE = "white", _("白色")
    RED = "red", _("红色")


def default_photo_backgrounds() -> list[str]:
    # The standard's and this notice's backdrop. Other provinces' notices also allow white.
    return [Backdrop.BLUE]


class Identification(models.TextChoices):
    """How the desk may recognise a student; a campaign accepts one or several."""

    ID_CARD = "id_card", _("二代身份证")
    COLLECTION_CODE = "collection_code", _("学信网采集码")
    STUDENT_NO = "student_no", _("学号")


def default_identification_methods() -> list[str]:
    # The 2021 notice's way; campaigns since 2022 turn on the 采集码 (教学服〔2022〕10号).
    return [Identification.ID_CARD, Identification.STUDENT_NO]


def validate_identification_methods(value) -> None:
    known = set(Identification.values)
    if not isinstance(value, list) or not value or any(v not in known for v in value):
        raise ValidationError(_("请至少选择一种刷证方式"), code="identification_methods")


class Phase(models.TextChoices):
    PREPARING = "preparing", _("筹备中")
    LIVE = "live", _("进行中")
    CLOSING = "closing", _("收尾")
    CLOSED = "closed", _("已结束")


DEFAULT_RETENTION_DAYS = 180


class Campaign(models.Model):
    """One cohort's capture campaign; every parameter of the notice is data here."""

    code = models.SlugField(_("批次代码"), max_length=32, unique=True)
    name = models.CharField(_("批次名称"), max_length=120)
    level = models.CharField(_("层次"), max_length=16, choices=Level.choices, default=Level.UNDERGRADUATE)
    capture_dates = models.CharField(
        _("采集日期"),
        max_length=200,
        blank=True,
        validators=[validate_capture_dates],
        help_text=_("例如 2020-11-26，多个日期用逗号分隔；具体时间以各时段为准"),
    )
    fee_per_person = models.DecimalField(
        _("每人费用（元）"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("17.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(FEE_MAX)],
    )
    remittance_deadline = models.DateField(_("费用上交截止日期"), null=True, blank=True)
    verification_window = models.PositiveSmallIntegerField(
        _("网上校对期限"), default=40, validators=[MinValueValidator(1), MaxValueValidator(WINDOW_MAX_DAYS)]
    )
    verification_window_unit = models.CharField(
        _("期限单位"), max_length=16, choices=WindowUnit.choices, default=WindowUnit.CALENDAR_DAYS
    )
    retake_deadline = models.DateField(_("补拍截止日期"), null=True, blank=True)
    identification_methods = models.JSONField(
        _("刷证方式"),
        default=default_identification_methods,
        validators=[validate_identification_methods],
        help_text=_("采集台可用哪些方式识别学生；选了采集码，学生需在采集前绑定"),
    )
    desk_window_days = models.PositiveSmallIntegerField(
        _("采集台提前/延后开放天数"),
        default=0,
        validators=[MaxValueValidator(DESK_WINDOW_MAX_DAYS)],
        help_text=_("0 表示采集台只在本组有时段的日期开放；例如填 1，则前后各多开放一天"),
    )
    # What photo services state for one photographer unit; the slot-load page plans against it.
    unit_per_hour = models.PositiveSmallIntegerField(
        _("每组摄影师每小时可拍人数"), default=350, validators=[MinValueValidator(1), MaxValueValidator(THROUGHPUT_MAX)]
    )
    unit_per_day = models.PositiveSmallIntegerField(
        _("每组摄影师每天最多可拍人数"),
        default=600,
        validators=[MinValueValidator(1), MaxValueValidator(THROUGHPUT_MAX)],
    )
    rules = models.TextField(_("采集注意事项"), blank=True, help_text=_("每行一条"))
    what_to_bring = models.TextField(_("需携带"), blank=True, default="二代身份证")
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=64, blank=True)
    retake_centre_address = models.CharField(_("省集中补拍地址"), max_length=200, blank=True)
    online_channel_name = models.CharField(_("线上采集渠道"), max_length=120, blank=True)
    chsi_url = models.URLField(_("校对网址"), default="https://xjxl.chsi.com.cn")
    photo_backgrounds = models.JSONField(
        _("电子照片允许的背景色"),
        default=default_photo_backgrounds,
        help_text=_("按本批次通知：标准为蓝色，有的省份也允许白色"),
    )
    phase_override = models.CharField(
        _("阶段（人工设定）"),
        max_length=16,
        choices=Phase.choices,
        blank=True,
        help_text=_(
            "留空则按日期自动判断：第一个采集日前为筹备中，校对截止前为进行中，补拍和上交截止前为收尾，之后为已结束"
        ),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("个人信息保留天数"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_("最后一个截止日期之后再保留多少天；到期后删除身份证号、手机号、照片等个人信息，只留统计归档"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("采集批次")
        verbose_name_plural = _("采集批次")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_per_person__gte=0),
                name="campaign_fee_not_negative",
                violation_error_message=_("每人费用不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(fee_per_person__lte=FEE_MAX),
                name="campaign_fee_at_most_max",
                violation_error_message=_("每人费用不能超过 200 元"),
            ),
            models.CheckConstraint(
                condition=Q(desk_window_days__lte=DESK_WINDOW_MAX_DAYS),
                name="campaign_desk_window_at_most_max",
                violation_error_message=_("采集台开放天数不能超过 30 天"),
            ),
            models.CheckConstraint(
                condition=Q(
                    unit_per_hour__gte=1,
                    unit_per_hour__lte=THROUGHPUT_MAX,
                    unit_per_day__gte=1,
                    unit_per_day__lte=THROUGHPUT_MAX,
                ),
                name="campaign_unit_throughput_in_range",
                violation_error_message=_("每组摄影师的拍摄人数应在 1 到 10000 之间"),
            ),
            models.CheckConstraint(
                condition=Q(verification_window__gte=1, verification_window__lte=WINDOW_MAX_DAYS),
                name="campaign_window_positive",
                violation_error_message=_("网上校对期限应在 1 到 120 天之间"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        try:
            days = parse_capture_dates(self.capture_dates)
        except ValueError:
            return  # the field's own validator reports it
        if not days:
            return
        errors = {}
        if self.remittance_deadline and self.remittance_deadline < days[0]:
            errors["remittance_deadline"] = ValidationError(
                _("费用上交截止日期不能早于第一个采集日期 %(day)s"),
                code="deadline_before_capture",
                params={"day": days[0]},
            )
        if self.retake_deadline and self.retake_deadline < days[0]:
            errors["retake_deadline"] = ValidationError(
                _("补拍截止日期不能早于第一个采集日期 %(day)s"), code="deadline_before_capture", params={"day": days[0]}
            )
        if errors:
            raise ValidationError(errors)

    def rule_lines(self) -> list[str]:
        return [line.strip() for line in self.rules.splitlines() if line.strip()]

    def identifies_by(self, method: str) -> bool:
        return method in (self.identification_methods or ())
