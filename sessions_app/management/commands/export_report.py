import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.registries import exporters
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = "导出 .xlsx 报表：export_report 报表名 --campaign 批次代码 -o 文件（命令行导出包含全部数据）"

    def add_arguments(self, parser):
        parser.add_argument("name", help="报表名，如 roster、attendance")
        parser.add_argument("--campaign", required=True, help="采集批次代码")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件路径")

    def handle(self, *args, name, campaign, output, **options):
        registry = exporters()
        exporter = registry.get(name)
        if exporter is None:
            available = "、".join(f"{key}（{registry[key].title}）" for key in sorted(registry)) or "无"
            raise CommandError(f"没有名为 {name} 的报表。可用的报表：{available}")
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            codes = "、".join(Campaign.objects.order_by("-created_at").values_list("code", flat=True)[:20]) or "无"
            raise CommandError(f"没有代码为 {campaign} 的采集批次。现有批次：{codes}")
        target = Path(output)
        if not target.parent.exists():
            raise CommandError(f"输出目录不存在：{target.parent}")
        # Write beside the target and rename, so a failed export never leaves half a workbook behind.
        fd, partial = tempfile.mkstemp(prefix=".export-", suffix=".xlsx", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                exporter.func(campaign=found, user=None, stream=stream)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.stdout.write(f"已导出「{exporter.title}」（{found.name}）到 {target}")
