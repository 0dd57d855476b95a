from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from jobs.models import JobStatus
from jobs.services import run_job
from privacy import selectors, services
from privacy.labels import describe_counts
from sessions_app.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy(
        "删除一个已结束批次的个人信息（先写归档）：完整身份证号、手机号、采集码、补拍照片、问题反馈文字、"
        "后台任务文件等；可重复运行，中断后再运行会接着完成"
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help=gettext_lazy("批次代码，例如 2021"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只统计将删除什么，不删除"))

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(code=options["code"]).first()
        if campaign is None:
            raise CommandError(_("没有批次代码为 %(code)s 的采集批次") % {"code": options["code"]})
        try:
            services.check_erasable(campaign)
        except services.PrivacyError as exc:
            raise CommandError(exc.message) from None
        if options["dry_run"]:
            counts = selectors.planned_counts(campaign)
            self.stdout.write(_("将删除：%(counts)s") % {"counts": describe_counts(counts)})
            return
        owner = services.system_owner()
        if owner is None:
            raise CommandError(_("没有教务处账号：后台任务需要一个发起人"))
        job = services.start_erasure(campaign=campaign, owner=owner, via="command")
        run_job(job_id=job.pk)  # here and now; a worker that gets the message too finds it taken
        job.refresh_from_db()
        if job.status != JobStatus.DONE:
            raise CommandError(
                _("删除未完成（%(code)s），请查看 /jobs/%(id)s/ 后重新运行")
                % {"code": job.error_code or job.status, "id": job.pk}
            )
        self.stdout.write(_("已删除：%(counts)s") % {"counts": describe_counts(job.counts)})
        self.stdout.write(_("归档文件：%(name)s（/jobs/%(id)s/）") % {"name": job.file_name, "id": job.pk})
