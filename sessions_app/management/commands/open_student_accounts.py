from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from sessions_app.activation import open_student_accounts
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy("为本批次名单中还没有账号的学生开通账号（无密码，通过统一身份认证登录）")

    def add_arguments(self, parser):
        parser.add_argument("campaign", help=gettext_lazy("采集批次代码"))

    def handle(self, *args, campaign, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(_("没有代码为 %(code)s 的采集批次") % {"code": campaign})
        opened = open_student_accounts(actor=None, campaign=found)
        self.stdout.write(ngettext("已开通 %(n)d 个学生账号", "已开通 %(n)d 个学生账号", opened) % {"n": opened})
