"""Retakes (补拍): a request per student who missed the shoot, the photos sent for it, and its history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import AppendOnlyModel
from core.formatting import datetime_short


class Reason(models.TextChoices):
    MISSED_SHOOT = "missed_shoot", _("因特殊原因未参加学校集中拍摄")
    INTERNSHIP = "internship", _("在外实习")
    HOSPITAL = "hospital", _("因病住院")
    ABROAD = "abroad", _("出国留学")
    MILITARY = "military", _("现役军人")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    CENTRAL = "central", _("参加省集中补拍")
    LOCAL_XINHUA = "local_xinhua", _("到当地新华社采集")
    PROXY = "proxy", _("委托他人携带电子照片到新华社采集中心代办")
    ONLINE = "online", _("微信公众号线上采集")


# The notice: after a local Xinhua shoot or the online channel, the paper and electronic
# photos go to the counselor; the request is only done once the paper photo is in.
PAPER_PHOTO_CHANNELS = frozenset({Channel.LOCAL_XINHUA, Channel.ONLINE})


class Status(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    PHOTO_SUBMITTED = "photo_submitted", _("已提交照片")
    CHECKED = "checked", _("已自动检查，待审核")
    ACCEPTED = "accepted", _("照片已通过")
    RETURNED = "returned", _("已退回，需重新提交照片")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


CLOSED_STATUSES = (Status.DONE, Status.CANCELLED)
# Statuses in which the next move is the student's (or the counselor's, for the paper photo).
AWAITING_STUDENT = (Status.REQUESTED, Status.RETURNED, Status.ACCEPTED)


class RetakeRequest(models.Model):
    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="retake_requests", verbose_name=_("采集批次")
    )
    student = models.ForeignKey(
        "sessions_app.Student", on_delete=models.PROTECT, related_name="retake_requests", verbose_name=_("毕业生")
    )
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    reason_detail = models.CharField(_("原因说明"), max_length=200, blank=True)
    channel = models.CharField(_("补拍方式"), max_length=20, choices=Channel.choices)
    planned_date = models.DateField(_("计划补拍日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    paper_photo_received_at = models.DateTimeField(_("收到纸质照片时间"), null=True, blank=True)
    paper_photo_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("纸质照片接收人"),
    )
    # The photo under review: the newest one sent. Kept here so lists need no subquery.
    current_photo = models.ForeignKey(
        "RetakePhoto", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("当前照片")
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("补拍申请")
        verbose_name_plural = _("补拍申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "student"],
                condition=~Q(status__in=["done", "cancelled"]),
                name="retake_one_open_request_per_student",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="retake_status_known"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="retake_reason_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="retake_channel_known"),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(reason_detail=""), name="retake_other_reason_explained"
            ),
            models.CheckConstraint(
                condition=Q(paper_photo_received_at__isnull=True, paper_photo_received_by__isnull=True)
                | Q(paper_photo_received_at__isnull=False, paper_photo_received_by__isnull=False),
                name="retake_paper_photo_who_and_when",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="retake_campaign_status")]

    def __str__(self):
        return f"{self.student} {self.get_status_display()}"

    @property
    def deadline(self):
        return self.campaign.retake_deadline

    @property
    def needs_paper_photo(self) -> bool:
        return self.channel in PAPER_PHOTO_CHANNELS

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("检查中")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    ERROR = "error", _("检查出错")


class Review(models.TextChoices):
    NONE = "", _("未审核")
    ACCEPTED = "accepted", _("通过")
    RETURNED = "returned", _("退回")


class RetakePhoto(models.Model):
    """One electronic photo sent for a request. The file lives under MEDIA_ROOT/retakes/ with a random name."""

    request = models.ForeignKey(
        RetakeRequest, on_delete=models.PROTECT, related_name="photos", verbose_name=_("补拍申请")
    )
    file = models.FileField(_("文件"), upload_to="retakes/", max_length=200)
    sha256 = models.CharField(_("文件校验值（SHA-256）"), max_length=64)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    format = models.CharField(_("格式"), max_length=8)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    note = models.TextField(_("提交说明"), blank=True, help_text=_("照片未通过自动检查仍提交时的说明"))
    check_status = models.CharField(
        _("自动检查"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    findings = models.JSONField(_("检查结果"), default=list, blank=True)
    measurements = models.JSONField(_("测量值"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    review = models.CharField(_("审核结果"), max_length=10, choices=Review.choices, default=Review.NONE, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.CharField(_("审核理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("补拍照片")
        verbose_name_plural = _("补拍照片")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(check_status__in=CheckStatus.values), name="retake_photo_check_known"),
            models.CheckConstraint(condition=Q(review__in=Review.values), name="retake_photo_review_known"),
            models.CheckConstraint(
                condition=Q(review="") | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="retake_photo_review_who_and_when",
            ),
            # A photo that did not pass the automatic check is only accepted with a stated reason.
            models.CheckConstraint(
                condition=~Q(review="accepted", check_status__in=["failed", "error", "pending"]) | ~Q(review_reason=""),
                name="retake_photo_failed_accept_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(review="returned") | ~Q(review_reason=""), name="retake_photo_return_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.request.student} {datetime_short(self.uploaded_at)}"

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"

    @property
    def extension(self) -> str:
        return "png" if self.format == "PNG" else "jpg"

    @property
    def finding_list(self):
        """The stored codes and figures as Findings, worded in the reader's language when shown."""
        from .photo_check import findings_from_stored

        return findings_from_stored(self.findings)


class EventNote(models.TextChoices):
    """Notes the system writes in a request's history; words are made when shown."""

    PHOTO_SUBMITTED = "photo_submitted", _("提交电子照片")
    CHECK_PASSED = "check_passed", _("自动检查通过")
    CHECK_FAILED = "check_failed", _("自动检查未通过")
    CHECK_ERROR = "check_error", _("自动检查出错：照片文件读取失败")
    PAPER_RECEIVED = "paper_received", _("收到纸质照片")
    PAPER_UNDONE = "paper_undone", _("撤销“已收到纸质照片”")
    DONE = "done", _("补拍完成")


class RetakeEvent(AppendOnlyModel):
    """A request's status history: who moved it, when, why. Never edited."""

    request = models.ForeignKey(
        RetakeRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("补拍申请")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    # What a person typed (a reason); the system's own note is note_code + note_data.
    note = models.CharField(_("说明"), max_length=500, blank=True)
    note_code = models.CharField(_("系统说明"), max_length=32, choices=EventNote.choices, blank=True)
    note_data = models.JSONField(_("系统说明参数"), default=dict, blank=True)

    class Meta:
        verbose_name = _("补拍记录")
        verbose_name_plural = _("补拍记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display() or '-'} → {self.get_to_status_display()}"

    @property
    def note_display(self) -> str:
        """The system's note in the reader's language, or what a person typed."""
        if self.note_code == EventNote.CHECK_FAILED:
            n = int((self.note_data or {}).get("findings") or 0)
            return ngettext("自动检查未通过：%(n)s 项问题", "自动检查未通过：%(n)s 项问题", n) % {"n": n}
        if self.note_code and self.note:  # a system step a person gave a reason for (undoing the paper photo)
            return _("%(what)s：%(why)s") % {"what": self.get_note_code_display(), "why": self.note}
        if self.note_code:
            return str(self.get_note_code_display())
        return self.note
