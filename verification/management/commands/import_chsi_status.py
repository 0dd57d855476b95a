from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from sessions_app.models import Campaign
from verification.chsi_import import ChsiFileError, apply_import, plan_import
from verification.import_messages import plan_counts


class Command(BaseCommand):
    help = gettext_lazy(
        "导入学信网校对状态表：import_chsi_status 文件.xlsx --campaign 批次代码 [--dry-run]（有错误行时不导入任何数据）"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=gettext_lazy("学信网导出的状态表（.xls、.xlsx 或 .csv）"))
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只预览，不写入"))

    def handle(self, *args, path, campaign, dry_run, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(_("没有代码为 %(code)s 的采集批次") % {"code": campaign})
        try:
            if dry_run:
                plan = plan_import(source=path, campaign=found, filename=path)
            else:
                plan = apply_import(source=path, campaign=found, actor=None, file_name=path)
        except ChsiFileError as exc:
            raise CommandError(str(exc)) from None
        for line in plan.unmatched:
            self.stdout.write(_("未匹配 %(line)s") % {"line": line})
        if not plan.ok:
            for line in plan.errors:
                self.stderr.write(str(line))
            n = len(plan.errors)
            raise CommandError(
                ngettext("文件有 %(n)s 处错误，未导入任何数据", "文件有 %(n)s 处错误，未导入任何数据", n) % {"n": n}
            )
        counts = plan_counts(
            confirm=len(plan.to_confirm),
            unconfirm=len(plan.to_unconfirm),
            report=len(plan.to_report),
            unchanged=plan.unchanged,
            unmatched=len(plan.unmatched),
            done=not dry_run,
        )
        self.stdout.write(
            _("%(counts)s（预览，未写入）") % {"counts": counts}
            if dry_run
            else _("已导入：%(counts)s") % {"counts": counts}
        )
