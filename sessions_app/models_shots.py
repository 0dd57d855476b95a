"""拍摄号 (shot numbers): a counter per capture group and day, and the numbers it gave."""

import datetime
import functools

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.rows import Prepared


class ShotCounter(models.Model):
    """The last 拍摄号 given in one capture group on one day.

    Each swipe that takes a number locks this row until its transaction ends, so two desks of
    one group queue here for a few milliseconds and never take the same number; a swipe that
    rolls back gives its number back with it (numbers stay gap-free).
    """

    group = models.ForeignKey(
        "sessions_app.CaptureGroup", on_delete=models.CASCADE, related_name="+", verbose_name=_("采集组")
    )
    day = models.DateField(_("日期"))
    last_number = models.PositiveIntegerField(_("最后的拍摄号"), default=0)

    class Meta:
        verbose_name = _("拍摄号计数")
        verbose_name_plural = _("拍摄号计数")
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="shot_counter_one_per_group_day")]

    @classmethod
    def take_next(cls, *, group_id: int, day: datetime.date) -> int:
        """Increment the (group, day) counter, creating it at 1, and return the new value.

        One statement (INSERT .. ON CONFLICT DO UPDATE .. RETURNING, PostgreSQL and SQLite 3.35+)
        instead of the ORM's lock, read and write: the swipe is the hot path (its query budget
        is tests/capture_day/test_swipe_queries.py), and the first swipe of a day would also pay
        a savepoint around the counter's creation. The row stays locked until the caller's
        transaction ends, exactly as select_for_update would hold it. Column names come from
        the model, so a renamed field cannot leave this behind.
        """
        day_value = cls._meta.get_field("day").get_db_prep_value(day, connection)
        with connection.cursor() as cursor:
            _take_next_statement().execute(cursor, [group_id, day_value])
            return cursor.fetchone()[0]


@functools.cache
def _take_next_statement() -> Prepared:
    """ShotCounter.take_next's statement, built once per process (prepared on PostgreSQL: core.rows)."""
    quote = connection.ops.quote_name
    table = quote(ShotCounter._meta.db_table)
    group, day_col, last = (quote(ShotCounter._meta.get_field(f).column) for f in ("group", "day", "last_number"))
    return Prepared(
        f"INSERT INTO {table} ({group}, {day_col}, {last}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({group}, {day_col}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )


class ShotVoid(models.TextChoices):
    """Why a number stopped counting (codes stored, words rendered)."""

    LEFT = "left", _("离开队伍")
    REQUEUED = "requeued", _("重新排队")


# What a number's state reads as on the desk, the operator's list, the export and the student's page.
SHOT_STATUS_LABELS = {
    "live": _("有效"),
    ShotVoid.LEFT: _("已作废：离开队伍"),
    ShotVoid.REQUEUED: _("已作废：重新排队"),
    "undone": _("已撤销采集"),
}


class Shot(models.Model):
    """One 拍摄号: the number a checked-in student tells the photographer, per group and day.

    A number is never reused or deleted: voided (the student left, or was re-queued under a new
    number) it stays with its reason, so the photographer's sequence has every gap explained.
    """

    group = models.ForeignKey(
        "sessions_app.CaptureGroup", on_delete=models.PROTECT, related_name="shots", verbose_name=_("采集组")
    )
    day = models.DateField(_("日期"))
    number = models.PositiveIntegerField(_("拍摄号"))
    capture = models.ForeignKey(
        "sessions_app.Capture", on_delete=models.PROTECT, related_name="shots", verbose_name=_("采集记录")
    )
    assigned_at = models.DateTimeField(_("取号时间"))
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
    )
    void_code = models.CharField(_("作废类别"), max_length=20, blank=True, choices=ShotVoid.choices)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("拍摄号")
        verbose_name_plural = _("拍摄号")
        ordering = ["group", "day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "day", "number"], name="shot_number_unique_per_group_day"),
            models.UniqueConstraint(
                fields=["capture"], condition=Q(voided_at__isnull=True), name="shot_one_live_per_capture"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="shot_number_from_one"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | (~Q(void_reason="") & ~Q(void_code="")),
                name="shot_void_needs_reason",
            ),
        ]

    def __str__(self):
        return f"{self.group_id} {self.day} #{self.number}"

    @property
    def status(self) -> str:
        """live, left, requeued or undone: the capture's own undo keeps its number, shown as undone."""
        if self.voided_at is not None:
            return self.void_code
        if self.capture.undone_at is not None:
            return "undone"
        return "live"

    @property
    def status_label(self) -> str:
        return str(SHOT_STATUS_LABELS.get(self.status, self.status))
