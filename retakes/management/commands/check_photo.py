import json
import sys

from django.core.management.base import BaseCommand

from retakes.photo_check import check_photo_file
from retakes.photo_check.report import Finding, PhotoReport


class Command(BaseCommand):
    help = "按电子照片标准检查照片文件：全部通过时退出码为 0，否则为 1"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="照片文件")
        parser.add_argument("--json", action="store_true", dest="as_json", help="以 JSON 列表输出检查结果")

    def handle(self, *args, paths, as_json: bool = False, **options):
        results = []
        for path in paths:
            try:
                report = check_photo_file(path)
            except OSError as exc:
                report = PhotoReport(
                    findings=[
                        Finding("not_an_image", f"无法读取文件：{exc.strerror or exc}", measured=path, allowed="")
                    ]
                )
            results.append((path, report))
        if as_json:
            self.stdout.write(_dumps([{"file": path, **report.as_dict()} for path, report in results]))
        else:
            for path, report in results:
                if report.ok:
                    self.stdout.write(f"{path}: 通过")
                else:
                    self.stdout.write(f"{path}: {len(report.findings)} 个问题")
                    for finding in report.findings:
                        self.stdout.write(f"  [{finding.code}] {finding.message}")
        if not all(report.ok for _path, report in results):
            sys.exit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
