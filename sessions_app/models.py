from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.formatting import date_short, datetime_short, paren

from .models_campaign import (  # noqa: F401 (re-exported: the campaign's names stay importable from here)
    DEFAULT_RETENTION_DAYS,
    DESK_WINDOW_MAX_DAYS,
    FEE_MAX,
    RETENTION_MAX_DAYS,
    THROUGHPUT_MAX,
    UNITS_MAX,
    WINDOW_MAX_DAYS,
    Backdrop,
    Campaign,
    Identification,
    Level,
    Phase,
    WindowUnit,
    default_identification_methods,
    default_photo_backgrounds,
    parse_capture_dates,
    validate_capture_dates,
    validate_identification_methods,
)


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
        # No default ordering: it joined the college into every query of a student (a look-up
        # by user or pk too). Each list orders itself (selectors.student_rows, the exports, the admin).
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
