from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fees.payment_import import import_payments
from fees.services import FeeError, money
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = (
        "导入缴费记录（.xlsx、.xls、.csv；学号、金额、方式、备注、日期）：全部正确才导入，重复导入同一文件不会重复入账"
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--campaign", required=True, help="采集批次代码")

    def handle(self, *args, path, campaign, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(f"没有采集批次 {campaign}")
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}")
        try:
            result = import_payments(campaign=found, data=data, actor=None, filename=Path(path).name)
        except FeeError as exc:
            raise CommandError(exc.message)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"有 {len(result.errors)} 处错误，未导入任何记录")
        self.stdout.write(
            f"导入完成：新登记 {result.created} 笔，共 {money(result.total)}；已登记过的 {result.replayed} 笔未重复入账"
        )
