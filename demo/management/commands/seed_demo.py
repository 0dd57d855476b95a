from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from demo.run import seed_demo


class Command(BaseCommand):
    help = gettext_lazy(
        "载入演示数据：通知中的 2021 届采集（去年，已结束）和由它复制的本届采集（今天采集日，"
        "缴费、上交、校对、问题反馈、补拍、提醒都已有数据）以及各角色演示账号（可重复运行）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-captures", action="store_true", help=gettext_lazy("2021 届不生成第一时段的采集记录"))
        parser.add_argument("--no-current", action="store_true", help=gettext_lazy("只载入 2021 届，不生成本届批次"))
        parser.add_argument(
            "--size",
            type=float,
            default=1.0,
            help=gettext_lazy("名单规模系数（默认 1 即每届约 4,300 人；测试与演练用 0.01 等）"),
        )

    def handle(self, *args, **options):
        if not 0 < options["size"] <= 10:
            raise CommandError(_("--size 应在 0 到 10 之间，例如 0.1"))
        summary = seed_demo(
            with_captures=not options["no_captures"],
            with_current=not options["no_current"],
            size=options["size"],
            progress=lambda message: self.stdout.write(f"… {message}"),
        )
        students, created, captured = summary.students, summary.created_students, summary.captures
        self.stdout.write(
            _("采集批次 %(code)s「%(name)s」：%(students)s（%(created)s），%(captured)s")
            % {
                "code": summary.campaign.code,
                "name": summary.campaign.name,
                "students": ngettext("学生 %(n)s 人", "学生 %(n)s 人", students) % {"n": students},
                "created": ngettext("本次新增 %(n)s", "本次新增 %(n)s", created) % {"n": created},
                "captured": ngettext("已采集 %(n)s 人", "已采集 %(n)s 人", captured) % {"n": captured},
            }
        )
        if summary.current is not None:
            current = summary.current.campaign
            self.stdout.write(
                _("本届批次 %(code)s「%(name)s」：采集日 %(dates)s")
                % {"code": current.code, "name": current.name, "dates": current.capture_dates}
            )
        self.stdout.write(_("演示账号："))
        for role, username, password in summary.logins:
            self.stdout.write(
                f"  {role}\n      "
                + _("用户名 %(username)s 密码 %(password)s") % {"username": f"{username:<14}", "password": password}
            )
        if summary.activation is not None:
            s = summary.activation
            self.stdout.write(
                _("试一试学生自助开通（/accounts/activate/）：学号 %(no)s，姓名 %(name)s，身份证号 %(id)s")
                % {"no": s.student_no, "name": s.name, "id": s.id_number}
            )
