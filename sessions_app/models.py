import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.formatting import date_short, datetime_short, paren

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
    is_active = models.BooleanField(_("进行中"), default=True)
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


class College(models.Model):
    name = models.CharField(_("学院名称"), max_length=64, unique=True)
    aliases = models.CharField(
        _("别名"), max_length=300, blank=True, help_text=_("用逗号分隔，如“机电学院”；导入名单时按别名识别")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("学院")
        verbose_name_plural = _("学院")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]


class Campus(models.Model):
    name = models.CharField(_("校区"), max_length=64, unique=True)
    aliases = models.CharField(_("别名"), max_length=200, blank=True, help_text=_("用逗号分隔，如“双D港”"))

    class Meta:
        verbose_name = _("校区")
        verbose_name_plural = _("校区")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]


class Location(models.Model):
    campus = models.ForeignKey(Campus, on_delete=models.PROTECT, related_name="locations", verbose_name=_("校区"))
    name = models.CharField(_("拍摄地点"), max_length=100)

    class Meta:
        verbose_name = _("拍摄地点")
        verbose_name_plural = _("拍摄地点")
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "name"],
                name="location_unique_per_campus",
                violation_error_message=_("这个校区已有同名的拍摄地点"),
            )
        ]

    def __str__(self):
        return f"{self.campus.name} {self.name}"


class CaptureGroup(models.Model):
    """A photographer team (组别) working in parallel with the others."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="groups", verbose_name=_("采集批次"))
    name = models.CharField(_("组别"), max_length=64)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="groups", verbose_name=_("拍摄地点"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    photographer_units = models.PositiveSmallIntegerField(
        _("摄影师组数"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(UNITS_MAX)],
        help_text=_("本组同时拍摄的摄影师（机位）数"),
    )

    class Meta:
        verbose_name = _("采集组")
        verbose_name_plural = _("采集组")
        ordering = ["campaign", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="group_unique_per_campaign",
                violation_error_message=_("这个采集批次已有同名的采集组"),
            ),
            models.CheckConstraint(
                condition=Q(photographer_units__gte=1, photographer_units__lte=UNITS_MAX),
                name="group_photographer_units_in_range",
                violation_error_message=_("摄影师组数应在 1 到 50 之间"),
            ),
        ]

    def __str__(self):
        return self.name


class Slot(models.Model):
    group = models.ForeignKey(CaptureGroup, on_delete=models.CASCADE, related_name="slots", verbose_name=_("采集组"))
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))

    class Meta:
        verbose_name = _("时段")
        verbose_name_plural = _("时段")
        ordering = ["group__sort_order", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="slot_ends_after_start",
                violation_error_message=_("结束时间必须晚于开始时间"),
            ),
            models.UniqueConstraint(
                fields=["group", "date", "start_time"],
                name="slot_unique_start_per_group",
                violation_error_message=_("这个采集组在这一天已有同一开始时间的时段"),
            ),
        ]

    def __str__(self):
        return f"{self.group.name} {date_short(self.date)} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def minutes(self) -> int:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return end - start

    def time_range(self) -> str:
        return f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Audience(models.Model):
    """Who a slot serves: a college, optionally narrowed to a campus or a level.

    A student matches an audience when every filter that is set matches; among the
    matching audiences the most specific (most filters set) wins, so
    "机电工程学院 + 双D港校区" takes those students away from plain "机电工程学院".
    """

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="audiences", verbose_name=_("时段"))
    college = models.ForeignKey(
        College, null=True, blank=True, on_delete=models.PROTECT, related_name="audiences", verbose_name=_("学院")
    )
    campus = models.ForeignKey(
        Campus, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("限校区")
    )
    level = models.CharField(_("限层次"), max_length=16, choices=Level.choices, blank=True)
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0, help_text=_("同一时段内的先后，例如研究生（后）"))
    label = models.CharField(_("显示名称"), max_length=64, blank=True, help_text=_("如“机电学院（双D港校区）”"))

    class Meta:
        verbose_name = _("拍摄对象")
        verbose_name_plural = _("拍摄对象")
        ordering = ["slot", "sequence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(college__isnull=False) | Q(campus__isnull=False) | ~Q(level=""),
                name="audience_has_a_filter",
                violation_error_message=_("拍摄对象至少要指定学院、校区或层次中的一项"),
            ),
            # One audience once per slot; "no campus" / "no college" count as equal (NULLs would not).
            models.UniqueConstraint(
                "slot",
                Coalesce("college", 0),
                Coalesce("campus", 0),
                "level",
                name="audience_once_per_slot",
                violation_error_message=_("这个拍摄对象已在该时段中，不能重复添加"),
            ),
        ]

    def __str__(self):
        return self.display_name()

    def display_name(self) -> str:
        if self.label:
            return self.label
        parts = [self.college.name if self.college_id else ""]
        if self.level:
            parts.append(self.get_level_display())
        if self.campus_id:
            parts.append(paren(self.campus.name))
        return "".join(p for p in parts if p)

    @property
    def specificity(self) -> int:
        return sum([self.college_id is not None, self.campus_id is not None, bool(self.level)])

    def matches(self, *, college_id: int | None, campus_id: int | None, level: str) -> bool:
        if self.college_id is not None and self.college_id != college_id:
            return False
        if self.campus_id is not None and self.campus_id != campus_id:
            return False
        if self.level and self.level != level:
            return False
        return True


class SlotStatus(models.TextChoices):
    MATCHED = "matched", _("已匹配")
    OVERRIDDEN = "overridden", _("人工指定")
    UNMATCHED = "unmatched", _("无匹配时段")
    AMBIGUOUS = "ambiguous", _("匹配多个时段")


class Student(models.Model):
    # Index diet (issue 9): every index is paid on each of a roster import's 20,000 inserts, so a
    # column gets one only where a query needs it. campaign is the leading column of
    # student_campaign_college and of the unique constraints; every college, campus and class
    # filter comes with a campaign; derived_slot and slot_override are read per campaign, and
    # only deleting a slot, college or campus (admin, rare) scans the table without them.
    # counselor (a counselor's students across campaigns), assigned_slot (a slot's list) and
    # user keep theirs.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="students", verbose_name=_("采集批次"), db_index=False
    )
    student_no = models.CharField(_("学号"), max_length=32)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=4, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18)
    college = models.ForeignKey(
        College, on_delete=models.PROTECT, related_name="students", verbose_name=_("学院"), db_index=False
    )
    major = models.CharField(_("专业"), max_length=100, blank=True)
    class_name = models.CharField(_("班级"), max_length=64, blank=True)
    level = models.CharField(_("层次"), max_length=16, choices=Level.choices, default=Level.UNDERGRADUATE)
    campus = models.ForeignKey(
        Campus,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("校区"),
        db_index=False,
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counseled_students",
        verbose_name=_("辅导员"),
    )
    # The counselor as the roster names them; kept when they have no account yet, so the
    # student is linked the moment one is created (sessions_app.services.link_counselor_students).
    # db_default too: rows written by code that predates the column (older migrations, raw SQL) stay valid.
    counselor_name = models.CharField(_("辅导员姓名（名单）"), max_length=64, blank=True, default="", db_default="")
    # HMAC-SHA-256 of the normalised 采集码 payload (sessions_app.collection_codes): the school
    # cannot decrypt the code and has no use for it in clear, only to match the same scan again.
    collection_code_hash = models.CharField(
        _("采集码（密钥散列）"), max_length=64, null=True, blank=True, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student_profile",
        verbose_name=_("登录账号"),
    )
    # Derived by sessions_app.services.refresh_slot_assignments; slot_override wins over it.
    derived_slot = models.ForeignKey(
        Slot,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("按规则匹配的时段"),
        db_index=False,
    )
    slot_override = models.ForeignKey(
        Slot,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="overridden_students",
        verbose_name=_("人工指定时段"),
        db_index=False,
    )
    assigned_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_students", verbose_name=_("时段")
    )
    slot_status = models.CharField(
        _("时段状态"), max_length=16, choices=SlotStatus.choices, default=SlotStatus.UNMATCHED
    )
    # Left by privacy.erasure when the campaign's retention ends (or on the student's request):
    # id_number becomes "", a keyed hash stays to recognise a returning student, and the masked
    # form for display. db_default: the roster's COPY names its columns and does not list these.
    id_number_hash = models.CharField(
        _("身份证号（密钥散列）"), max_length=64, blank=True, default="", db_default="", editable=False
    )
    id_number_masked = models.CharField(
        _("身份证号（部分隐藏）"), max_length=18, blank=True, default="", db_default="", editable=False
    )
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("毕业生")
        verbose_name_plural = _("毕业生")
        ordering = ["college__sort_order", "class_name", "student_no"]
        # Full ID numbers on a page or in an export: staff who hold this, each showing audited.
        permissions = [("view_full_id_number", _("可查看完整身份证号"))]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "student_no"],
                name="student_no_unique_per_campaign",
                violation_error_message=_("本批次已有这个学号的学生"),
            ),
            models.UniqueConstraint(
                fields=["campaign", "id_number"],
                condition=~Q(id_number=""),
                name="student_id_number_unique_per_campaign",
                violation_error_message=_("本批次已有这个身份证号的学生"),
            ),
            models.UniqueConstraint(
                fields=["campaign", "collection_code_hash"],
                condition=Q(collection_code_hash__isnull=False),
                name="student_code_hash_unique_per_campaign",
                violation_error_message=_("本批次已有这个采集码的学生"),
            ),
            # Erased students keep no number (privacy.erasure), and only they.
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$") | Q(id_number="", erased_at__isnull=False),
                name="student_id_number_format",
                violation_error_message=_("身份证号应为 18 位，前 17 位是数字，最后一位是数字或 X"),
            ),
        ]
        indexes = [
            # A college's students in list order (class, student no): a coordinator's page of 50
            # reads 50 index entries instead of sorting the college; also its counts and classes.
            models.Index(fields=["campaign", "college", "class_name", "student_no"], name="student_college_list"),
            # A class filter and the class list of a campaign (sessions_app and fees selectors).
            models.Index(fields=["campaign", "class_name"], name="student_campaign_class"),
        ]

    def __str__(self):
        return f"{self.name}{paren(self.student_no)}"

    @property
    def masked_id(self) -> str:
        from .idcard import mask_id_number

        return mask_id_number(self.id_number) if self.id_number else self.id_number_masked


class CaptureMethod(models.TextChoices):
    """How the desk recognised the student (sessions_app.services.find_student)."""

    ID_CARD = "id_card", _("身份证")
    STUDENT_NO = "student_no", _("学号")
    COLLECTION_CODE = "collection_code", _("采集码")


class Capture(models.Model):
    """A student photographed at a desk. At most one active capture per student."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="captures", verbose_name=_("采集批次")
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="captures", verbose_name=_("毕业生"))
    slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="captures", verbose_name=_("采集时段")
    )
    captured_at = models.DateTimeField(_("采集时间"), db_index=True)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作员")
    )
    method = models.CharField(_("识别方式"), max_length=20, blank=True, choices=CaptureMethod.choices)
    wrong_slot = models.BooleanField(_("非本人时段"), default=False)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    undo_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        ordering = ["-captured_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(undone_at__isnull=True), name="capture_one_active_per_student"
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True) | ~Q(undo_reason=""), name="capture_undo_needs_reason"
            ),
        ]

    def __str__(self):
        return f"{self.student} @ {datetime_short(self.captured_at)}"

    @property
    def is_active(self) -> bool:
        return self.undone_at is None


# The 拍摄号 and 采集码 clash models live beside this file (kept under its size); importing them
# here registers them with the app and lets callers import everything from sessions_app.models.
from .models_codes import CollectionCodeClash  # noqa: E402, F401
from .models_shots import SHOT_STATUS_LABELS, Shot, ShotCounter, ShotVoid  # noqa: E402, F401
