import datetime

from django.core.management.base import BaseCommand, CommandError

from sessions_app.models import Campaign
from verification import reminders

LABELS = {"d-1": "前 1 天", "overdue": "已逾期"}


def _label(step: str) -> str:
    if step in LABELS:
        return LABELS[step]
    if step.startswith("d-"):
        return f"截止前 {step[2:]} 天"
    return step


class Command(BaseCommand):
    help = (
        "按批次发送提醒（与 Celery beat 每日任务相同）：send_reminders --campaign 代码 [--dry-run] [--today YYYY-MM-DD]"
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="采集批次代码")
        parser.add_argument("--dry-run", action="store_true", help="只统计将发送的提醒，不记录也不发送")
        parser.add_argument("--today", help="按哪一天计算（默认今天，北京时间）")

    def handle(self, *args, campaign, dry_run, today, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为 {campaign} 的采集批次")
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{today}") from None
        verb = "将发送" if dry_run else "已发送"
        runs = [
            ("采集前一天提醒", reminders.send_slot_reminders),
            ("网上校对提醒", reminders.send_verification_reminders),
            ("学院逾期名单", reminders.send_overdue_digests),
        ]
        for title, func in runs:
            summary = func(campaign=found, today=day, dry_run=dry_run)
            if summary.total == 0:
                self.stdout.write(f"{title}：{verb} 0 条")
                continue
            if func is reminders.send_overdue_digests:
                self.stdout.write(f"{title}：{verb} {summary.total} 条（给学院负责老师）")
                continue
            parts = "，".join(f"{_label(step)} {n} 人" for step, n in sorted(summary.counts.items()))
            self.stdout.write(f"{title}：{verb} {summary.total} 条（{parts}）")
        if dry_run:
            self.stdout.write("预览模式：没有记录或发送任何消息")
