"""A piece of long work run in the background, and what its page shows while it runs and after."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .registry import job_name


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    """One run of a registered job kind (jobs.registry) on one thing, named by `key`.

    `key` is what a second click would start again (an export for this user and campaign,
    a reminder run for this campaign); the partial unique constraint lets only one such job
    be queued or running at a time, so the second click lands on the first job's page.
    """

    kind = models.CharField(_("类型"), max_length=64)
    key = models.CharField(_("对象"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("发起人")
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), null=True, blank=True)
    # Counts by code ({"created": 120, "updated": 3}); the page renders the words.
    counts = models.JSONField(_("结果统计"), default=dict, blank=True)
    # Each error is {"code": ..., "data": {...}} or, for row errors, carries "row"/"column".
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # What a finished job hands its page besides counts, as data (an import check's first rows,
    # ID numbers masked); the kind's show_result renders it.
    result = models.JSONField(_("结果数据"), default=dict, blank=True)
    error_code = models.CharField(_("失败原因代码"), max_length=64, blank=True)
    file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    # The lease of whoever runs it: a worker renews it (a heartbeat, and with every progress write);
    # once it has run out the worker is gone, and the sweeper, a retried task or a new click takes
    # the job over. Only the token's holder may write progress or the result (a late write of a
    # runner that lost its lease is dropped, so a result is recorded once).
    lease_token = models.CharField(_("租约标识"), max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    # Why it was taken over: [{"code": "lease_expired", "at": ISO time, "attempt": n, "done": n}].
    interruptions = models.JSONField(_("中断记录"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(status__in=["queued", "running"]),
                name="job_one_active_per_kind_and_key",
            ),
            models.CheckConstraint(condition=Q(total__isnull=True) | Q(done__lte=F("total")), name="job_done_le_total"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="job_status_known"
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=["done", "failed"]),
                name="job_finished_only_when_over",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            # The sweeper's look-up of running jobs whose lease ran out.
            models.Index(fields=["status", "lease_expires_at"], name="job_status_lease"),
        ]

    def __str__(self) -> str:
        # What the admin's delete page and its lists call a job: its name, never `export roster:2:1`.
        return str(job_name(self))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))
