from django.core.management.base import BaseCommand, CommandError

from sessions_app.models import Campaign
from verification.chsi_import import ChsiFileError, apply_import, plan_import


class Command(BaseCommand):
    help = (
        "导入学信网校对状态表：import_chsi_status 文件.xlsx --campaign 批次代码 [--dry-run]（有错误行时不导入任何数据）"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="学信网导出的状态表（.xls、.xlsx 或 .csv）")
        parser.add_argument("--campaign", required=True, help="采集批次代码")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")

    def handle(self, *args, path, campaign, dry_run, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为 {campaign} 的采集批次")
        try:
            if dry_run:
                plan = plan_import(source=path, campaign=found, filename=path)
            else:
                plan = apply_import(source=path, campaign=found, actor=None, file_name=path)
        except ChsiFileError as exc:
            raise CommandError(str(exc)) from None
        for line in plan.unmatched:
            self.stdout.write(f"未匹配 {line}")
        if not plan.ok:
            for line in plan.errors:
                self.stderr.write(str(line))
            raise CommandError(f"文件有 {len(plan.errors)} 处错误，未导入任何数据")
        verb = "将" if dry_run else "已"
        self.stdout.write(
            f"{verb}标记已确认 {len(plan.to_confirm)} 人，{verb}撤销确认 {len(plan.to_unconfirm)} 人，"
            f"{verb}登记“信息有误”问题反馈 {len(plan.to_report)} 人，"
            f"不变 {plan.unchanged} 人，未匹配 {len(plan.unmatched)} 行（未匹配的行不导入）"
            + ("（预览，未写入）" if dry_run else "")
        )
