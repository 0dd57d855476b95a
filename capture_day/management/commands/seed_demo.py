from django.core.management.base import BaseCommand

from capture_day.demo import seed_demo


class Command(BaseCommand):
    help = "载入演示数据：通知中的 2021 届采集日程、约 4,400 名学生的名单和各角色演示账号（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--no-captures", action="store_true", help="不生成第一时段的采集记录")
        parser.add_argument(
            "--size", type=float, default=1.0, help="名单规模系数（默认 1 即约 4,400 人；测试与演练用 0.01 等）"
        )

    def handle(self, *args, **options):
        summary = seed_demo(with_captures=not options["no_captures"], size=options["size"])
        self.stdout.write(
            f"采集批次 {summary.campaign.code}「{summary.campaign.name}」：学生 {summary.students} 人"
            f"（本次新增 {summary.created_students}），已采集 {summary.captures} 人"
        )
        self.stdout.write("演示账号：")
        for role, username, password in summary.logins:
            self.stdout.write(f"  {role:<28} 用户名 {username:<14} 密码 {password}")
