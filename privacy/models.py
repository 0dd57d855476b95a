"""What the erasure of a campaign has done so far: the mark a resumed run and the staff pages read."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The job kind of a campaign's erasure (registered in jobkinds.py); its file is the archive, kept
# PRIVACY_ARCHIVE_KEEP_DAYS, and never taken by the erasure of the campaign's other job files.
ERASE_KIND = "privacy.erase"


class CampaignErasure(models.Model):
    """One per campaign whose personal data is being (or has been) erased.

    Students carry their own mark (`Student.erased_at`), so a run killed half-way resumes with the
    next student not yet erased; `finished_at` is set once every student and the campaign's job
    files are done. `counts` adds up what every run removed (codes, rendered by audit_actions).
    """

    campaign = models.OneToOneField(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="erasure", verbose_name=_("采集批次")
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)
    counts = models.JSONField(_("删除统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("个人信息删除")
        verbose_name_plural = _("个人信息删除")

    def __str__(self):
        return str(self.campaign)
