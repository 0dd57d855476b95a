import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from core.registries import exporters
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy("导出 .xlsx 报表：export_report 报表名 --campaign 批次代码 -o 文件（命令行导出包含全部数据）")

    def add_arguments(self, parser):
        parser.add_argument("name", help=gettext_lazy("报表名，如 roster、attendance"))
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))
        parser.add_argument("-o", "--output", required=True, help=gettext_lazy("输出的 .xlsx 文件路径"))

    def handle(self, *args, name, campaign, output, **options):
        registry = exporters()
        exporter = registry.get(name)
        if exporter is None:
            available = _("、").join(
                _("%(key)s（%(title)s）") % {"key": key, "title": registry[key].title} for key in sorted(registry)
            )
            raise CommandError(
                _("没有名为 %(name)s 的报表。可用的报表：%(available)s")
                % {"name": name, "available": available or _("无")}
            )
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            codes = _("、").join(Campaign.objects.order_by("-created_at").values_list("code", flat=True)[:20])
            raise CommandError(
                _("没有代码为 %(code)s 的采集批次。现有批次：%(codes)s") % {"code": campaign, "codes": codes or _("无")}
            )
        target = Path(output)
        if not target.parent.exists():
            raise CommandError(_("输出目录不存在：%(dir)s") % {"dir": target.parent})
        # Write beside the target and rename, so a failed export never leaves half a workbook behind.
        fd, partial = tempfile.mkstemp(prefix=".export-", suffix=".xlsx", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                exporter.func(campaign=found, user=None, stream=stream)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("已导出「%(title)s」（%(campaign)s）到 %(target)s")
            % {"title": exporter.title, "campaign": found.name, "target": target}
        )
