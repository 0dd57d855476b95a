import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from notifications import reminders as mechanism
from sessions_app.models import Campaign
from sessions_app.phases import CampaignClosed, refuse_messages_if_closed


def _label(step: str) -> str:
    if step == "overdue":
        return _("已逾期")
    if step.startswith("d-") and step[2:].isdigit():
        days = int(step[2:])
        return ngettext("截止前 %(n)s 天", "截止前 %(n)s 天", days) % {"n": days}
    return step


def _line(rule: mechanism.ReminderRule, summary: mechanism.FanOutSummary, *, dry_run: bool) -> str:
    values = {"title": rule.title or rule.name, "n": summary.total}
    if not rule.itemize_steps or summary.total == 0:
        if dry_run:
            line = ngettext("%(title)s：将发送 %(n)s 条", "%(title)s：将发送 %(n)s 条", summary.total)
        else:
            line = ngettext("%(title)s：已发送 %(n)s 条", "%(title)s：已发送 %(n)s 条", summary.total)
        return line % values + (str(rule.audience) if summary.total and rule.audience else "")
    values["parts"] = _("，").join(
        ngettext("%(step)s %(n)s 人", "%(step)s %(n)s 人", n) % {"step": _label(step), "n": n}
        for step, n in sorted(summary.counts.items())
    )
    if dry_run:
        line = ngettext(
            "%(title)s：将发送 %(n)s 条（%(parts)s）", "%(title)s：将发送 %(n)s 条（%(parts)s）", summary.total
        )
    else:
        line = ngettext(
            "%(title)s：已发送 %(n)s 条（%(parts)s）", "%(title)s：已发送 %(n)s 条（%(parts)s）", summary.total
        )
    return line % values + (str(rule.audience) if rule.audience else "")


class Command(BaseCommand):
    help = gettext_lazy(
        "按批次发送今天到期的全部提醒（校对、采集前一天、学院逾期名单、上交、补拍；与 Celery beat 发送的相同）："
        "send_reminders --campaign 代码 [--dry-run] [--today YYYY-MM-DD]"
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只统计将发送的提醒，不记录也不发送"))
        parser.add_argument("--today", help=gettext_lazy("按哪一天计算（默认今天，北京时间）"))

    def handle(self, *args, campaign, dry_run, today, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(_("没有代码为 %(code)s 的采集批次") % {"code": campaign})
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": today}) from None
        try:
            refuse_messages_if_closed(found, today=day)
        except CampaignClosed as exc:
            raise CommandError(exc.message) from None
        for rule in mechanism.rules():  # every app's rules: the same ones beat sends
            summary = mechanism.run_rule(rule, campaign=found, today=day, dry_run=dry_run)
            self.stdout.write(_line(rule, summary, dry_run=dry_run))
        if dry_run:
            self.stdout.write(_("预览模式：没有记录或发送任何消息"))
