from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from sessions_app.models import Campaign
from sessions_app.roster.files import RosterFileError
from sessions_app.roster.services import import_roster


class Command(BaseCommand):
    help = gettext_lazy(
        "导入毕业生名单（.xlsx、.xls、.csv 或网页表格）：任何一行有错则不写入任何数据，并逐行列出错误（退出码 1）"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=gettext_lazy("名单文件（.xlsx、.xls、.csv）"))
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("只检查并显示将新增/更新/未变的人数，不写入")
        )
        parser.add_argument("--by", metavar="USERNAME", help=gettext_lazy("记入审计记录的操作人（教务处账号）"))

    def handle(self, *args, path, campaign, dry_run, by=None, **options):
        actor = None
        if by:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(_("没有用户名为 %(username)s 的账号") % {"username": by})
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            codes = _("、").join(Campaign.objects.order_by("code").values_list("code", flat=True)) or _("（无）")
            raise CommandError(
                _("没有代码为 %(code)s 的采集批次；已有：%(codes)s") % {"code": campaign, "codes": codes}
            )
        try:
            report = import_roster(campaign=found, source=path, actor=actor, dry_run=dry_run, filename=Path(path).name)
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stderr.write(_("提示：%(warning)s") % {"warning": warning})
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            n = len(report.errors)
            raise CommandError(
                ngettext("名单有 %(n)s 处错误，未写入任何数据", "名单有 %(n)s 处错误，未写入任何数据", n) % {"n": n},
                returncode=1,
            )
        if dry_run:
            self.stdout.write(
                ngettext(
                    "试运行（未写入）：将%(counts)s，共 %(n)s 行",
                    "试运行（未写入）：将%(counts)s，共 %(n)s 行",
                    report.rows,
                )
                % {"counts": report.counts_text(), "n": report.rows}
            )
        else:
            done = ngettext("已导入：%(counts)s，共 %(n)s 行", "已导入：%(counts)s，共 %(n)s 行", report.rows)
            self.stdout.write(self.style.SUCCESS(done % {"counts": report.counts_text(), "n": report.rows}))
