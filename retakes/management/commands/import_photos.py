from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from retakes import batch_import
from retakes.batch_files import BatchFileError
from retakes.jobkinds import outcome_label
from retakes.models import Channel
from retakes.photo_check import findings_from_stored
from retakes.services import RetakeError
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy(
        "批量导入补拍电子照片（zip 压缩包或文件夹，文件名为学号、身份证号或“姓名_学号”）：逐个文件输出结果"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="ZIP_OR_FOLDER", help=gettext_lazy("zip 压缩包或文件夹"))
        parser.add_argument("--campaign", required=True, help=gettext_lazy("采集批次代码"))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("只匹配并检查，显示每个文件的结果，不写入")
        )
        parser.add_argument(
            "--by", metavar="USERNAME", help=gettext_lazy("提交照片的教务处账号（记入照片和审计记录；写入时必填）")
        )
        parser.add_argument(
            "--channel",
            default=Channel.CENTRAL,
            choices=Channel.values,
            help=gettext_lazy("学生还没有补拍申请时新建申请的补拍方式"),
        )
        parser.add_argument("--workers", type=int, default=None, help=gettext_lazy("并行检查的进程数"))

    def handle(self, *args, path, campaign, dry_run, by=None, channel=Channel.CENTRAL, workers=None, **options):
        found = Campaign.objects.filter(code=campaign).first()
        if found is None:
            raise CommandError(_("没有代码为 %(code)s 的采集批次") % {"code": campaign})
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None or not actor.is_academic_staff:
                raise CommandError(_("没有用户名为 %(username)s 的教务处账号") % {"username": by})
        elif not dry_run:
            raise CommandError(_("导入照片请用 --by 指明提交照片的教务处账号；只检查请加 --dry-run"))
        source = Path(path)
        if not source.exists():
            raise CommandError(_("找不到 %(path)s") % {"path": path})
        try:
            result = batch_import.import_batch(
                path=source, campaign=found, actor=actor, channel=channel, dry_run=dry_run, workers=workers
            )
        except BatchFileError:
            raise CommandError(_("%(path)s 不是 zip 压缩包，也不是文件夹") % {"path": path}) from None
        except RetakeError as exc:
            raise CommandError(str(exc)) from None
        for item in result.files:
            if item.student_no:
                line = _("%(file)s → %(name)s（%(no)s）：%(outcome)s") % {
                    "file": item.name,
                    "name": item.student_name,
                    "no": item.student_no,
                    "outcome": outcome_label(item.code),
                }
            else:
                line = _("%(file)s：%(outcome)s") % {"file": item.name, "outcome": outcome_label(item.code)}
            self.stdout.write(line)
            for finding in findings_from_stored(item.findings):
                self.stdout.write(f"    - {finding.message}")
        counts = _("，").join(f"{outcome_label(code)} {n}" for code, n in result.counts.items())
        summary = _("试运行（未写入）：%(counts)s") if dry_run else _("已导入：%(counts)s")
        self.stdout.write(summary % {"counts": counts})
