from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sessions_app.models import Campaign
from sessions_app.roster.files import RosterFileError
from sessions_app.roster.services import import_roster


class Command(BaseCommand):
    help = "导入毕业生名单（.xlsx、.xls、.csv 或网页表格）：任何一行有错则不写入任何数据，并逐行列出错误（退出码 1）"

    def add_arguments(self, parser):
        parser.add_argument("path", help="名单文件（.xlsx、.xls、.csv）")
        parser.add_argument("--campaign", required=True, help="采集批次代码")
        parser.add_argument("--dry-run", action="store_true", help="只检查并显示将新增/更新/未变的人数，不写入")
        parser.add_argument("--by", metavar="USERNAME", help="记入审计记录的操作人（教务处账号）")

    def handle(self, *args, path, campaign, dry_run, by=None, **options):
        actor = None
        if by:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {by} 的账号")
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            codes = "、".join(Campaign.objects.order_by("code").values_list("code", flat=True)) or "（无）"
            raise CommandError(f"没有代码为 {campaign} 的采集批次；已有：{codes}")
        try:
            report = import_roster(campaign=found, source=path, actor=actor, dry_run=dry_run, filename=Path(path).name)
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stderr.write(f"提示：{warning}")
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"名单有 {len(report.errors)} 处错误，未写入任何数据", returncode=1)
        if dry_run:
            self.stdout.write(f"试运行（未写入）：将{report.counts_text()}，共 {report.rows} 行")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入：{report.counts_text()}，共 {report.rows} 行"))
