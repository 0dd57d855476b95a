from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeskSwipe(models.Model):
    """One swipe as the desk sent it, under the nonce the browser gave it.

    A swipe queued offline may be sent again and again (a retry, two tabs, a flaky link); the
    unique nonce makes the first arrival the only one that is recorded, and every later arrival
    gets the first one's answer back. What is kept is codes and ids, never the typed identifier
    (a not-found code is kept masked, as the desk showed it).
    """

    nonce = models.UUIDField(_("刷证编号"))
    slot = models.ForeignKey("sessions_app.Slot", on_delete=models.PROTECT, related_name="+", verbose_name=_("时段"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作员")
    )
    outcome = models.CharField(_("结果"), max_length=20, blank=True)
    student = models.ForeignKey(
        "sessions_app.Student",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("学生"),
    )
    capture = models.ForeignKey(
        "sessions_app.Capture",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("采集记录"),
    )
    code_hint = models.CharField(_("未找到的号码（遮蔽）"), max_length=32, blank=True)
    swiped_at = models.DateTimeField(_("刷证时间（采集台）"), null=True, blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("刷证记录")
        verbose_name_plural = _("刷证记录")
        constraints = [models.UniqueConstraint(fields=["nonce"], name="desk_swipe_nonce_unique")]

    def __str__(self):
        return f"{self.nonce} {self.outcome}"
