from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from fees.import_messages import import_summary
from fees.payment_import import import_payments
from fees.services import FeeError
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy(
        "导入缴费记录（.xlsx、.xls、.csv；学号、金额、方式、备注、日期）：全部正确才导入，重复导入同一文件不会重复入账"
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))

    def handle(self, *args, path, campaign, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(_("没有采集批次 %(code)s") % {"code": campaign})
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取 %(path)s：%(reason)s") % {"path": path, "reason": exc.strerror})
        try:
            result = import_payments(campaign=found, data=data, actor=None, filename=Path(path).name)
        except FeeError as exc:
            raise CommandError(exc.message)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            n = len(result.errors)
            raise CommandError(
                ngettext("有 %(n)s 处错误，未导入任何记录", "有 %(n)s 处错误，未导入任何记录", n) % {"n": n}
            )
        self.stdout.write(import_summary(result))
