"""采集码 clashes: a student tried to bind a code another student of the campaign holds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CollectionCodeClash(models.Model):
    """A student tried to bind a 采集码 another student of the campaign holds: staff sort it out.

    No payload or hash here: the two students are what staff need to call.
    """

    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("采集批次")
    )
    student = models.ForeignKey(
        "sessions_app.Student", on_delete=models.CASCADE, related_name="code_clashes", verbose_name=_("尝试绑定的学生")
    )
    holder = models.ForeignKey(
        "sessions_app.Student", on_delete=models.CASCADE, related_name="+", verbose_name=_("已绑定该采集码的学生")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("采集码冲突")
        verbose_name_plural = _("采集码冲突")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "created_at"], name="code_clash_campaign_time")]

    def __str__(self):
        return f"{self.student} / {self.holder}"
