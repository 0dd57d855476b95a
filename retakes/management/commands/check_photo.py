import json
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.commands import BaseCommand
from retakes.photo_check import check_photo_file
from retakes.photo_check.config import DEFAULT_BACKGROUNDS, load_config
from retakes.photo_check.report import Finding, PhotoReport


class Command(BaseCommand):
    help = gettext_lazy("按电子照片标准检查照片文件：全部通过时退出码为 0，否则为 1")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help=gettext_lazy("照片文件"))
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help=gettext_lazy("以 JSON 列表输出检查结果")
        )
        parser.add_argument(
            "--backgrounds",
            default=",".join(DEFAULT_BACKGROUNDS),
            help=gettext_lazy("允许的背景色，逗号分隔（blue、white、red），默认按标准为 blue"),
        )

    def handle(self, *args, paths, as_json: bool = False, backgrounds: str = "", **options):
        allowed = tuple(name.strip() for name in backgrounds.split(",") if name.strip())
        unknown = set(allowed) - set(load_config().background_colours)
        if unknown or not allowed:
            raise CommandError(_("未知的背景色：%(names)s") % {"names": ", ".join(sorted(unknown)) or backgrounds})
        results = []
        for path in paths:
            try:
                report = check_photo_file(path, backgrounds=allowed)
            except OSError as exc:
                report = PhotoReport(
                    findings=[Finding("not_an_image", kind="unreadable", data={"error": exc.strerror or str(exc)})]
                )
            results.append((path, report))
        if as_json:
            self.stdout.write(_dumps([{"file": path, **report.as_dict()} for path, report in results]))
        else:
            for path, report in results:
                if report.ok:
                    self.stdout.write(_("%(path)s: 通过") % {"path": path})
                else:
                    n = len(report.findings)
                    self.stdout.write(
                        ngettext("%(path)s: %(n)s 个问题", "%(path)s: %(n)s 个问题", n) % {"path": path, "n": n}
                    )
                    for finding in report.findings:
                        self.stdout.write(f"  [{finding.code}] {finding.message}")
        if not all(report.ok for _path, report in results):
            sys.exit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
