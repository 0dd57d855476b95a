"""Roster import benchmark: a 20,000-row .xlsx, imported through the real service.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_roster python bench/import_roster.py [--rows 20000]

Prints the bare openpyxl read-only parse time of the same file, the import's wall
time and their ratio (goal: at most 3x), and peak memory (goal: under 300 MB):
- peak RSS: the high-water mark of resident memory (VmHWM from /proc/self/status) of a
  fresh child process that only sets up Django and imports the file, so building the
  test files here does not count; printed with the same figure just before the import;
- tracemalloc peak: Python allocations during a second, untimed import (tracing slows it down).
The campaign "bench-roster" and its colleges are created if missing and reused; its
students are deleted at the end (the audit events of the runs stay: they are append-only).
"""

import argparse
import datetime
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from sessions_app import demo_schedule  # noqa: E402
from sessions_app.idcard import make_id_number  # noqa: E402
from sessions_app.models import Audience, Campaign, Campus, CaptureGroup, College, Location, Slot, Student  # noqa: E402
from sessions_app.roster.services import import_roster  # noqa: E402

RATIO_GOAL = 3.0
MEMORY_GOAL_MB = 300
COLLEGES = [name for name, _aliases, _campus in demo_schedule.COLLEGES]
AREAS = ["210202", "210203", "210204", "210211", "210102", "150102", "220102", "230102", "520102", "650102"]
HEADER = ["学号", "姓名", "性别", "身份证号", "学院", "专业", "班级", "层次", "校区", "手机号", "邮箱"]


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM (Linux) belongs to the process image and starts afresh at exec; ru_maxrss is
    carried over from the parent across fork+exec, so in the child it would still show
    what building the test files cost the parent.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def delete_students(campaign: Campaign) -> None:
    # Raw DELETE: the ORM's cascade collector would visit every other app's tables, which is not what
    # is measured here; the bench's students never have captures, fees or photos.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Student._meta.db_table} WHERE campaign_id = %s", [campaign.pk])


def setup_campaign() -> Campaign:
    campaign, _ = Campaign.objects.get_or_create(code="bench-roster", defaults={"name": "基准测试批次"})
    campus, _ = Campus.objects.get_or_create(name="开发区校区")
    Campus.objects.get_or_create(name="金石滩校区")
    location, _ = Location.objects.get_or_create(campus=campus, name="大学生活动中心")
    group, _ = CaptureGroup.objects.get_or_create(campaign=campaign, name="基准组", defaults={"location": location})
    for index, name in enumerate(COLLEGES):
        college, _ = College.objects.get_or_create(name=name)
        slot, _ = Slot.objects.get_or_create(
            group=group,
            date=datetime.date(2020, 11, 26),
            start_time=datetime.time(8, index * 4),
            defaults={"end_time": datetime.time(8, index * 4 + 3)},
        )
        Audience.objects.get_or_create(slot=slot, college=college)
    return campaign


def build_roster(path: Path, rows: int, *, major: str = "计算机科学与技术") -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    birth0 = datetime.date(1998, 1, 1)
    for n in range(rows):
        sequence = n % 1000
        birth = birth0 + datetime.timedelta(days=n // 1000)
        id_number = make_id_number(area=AREAS[n % len(AREAS)], birth=birth, sequence=sequence)
        sheet.append(
            [
                f"2017{n:06d}",
                f"学生{n}",
                "男" if sequence % 2 else "女",
                id_number,
                COLLEGES[n % len(COLLEGES)],
                major,
                f"计算机{17 + n % 4:02d}{n % 9 + 1:02d}",
                "本科",
                "金石滩校区" if n % 3 else "开发区校区",
                f"138{n:08d}",
                f"s{n}@example.edu.cn",
            ]
        )
    workbook.save(path)


_INLINE = re.compile(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>')


def excel_style(source: Path, target: Path) -> None:
    """Rewrite openpyxl's output the way Excel and WPS save a workbook.

    openpyxl writes every string inline in the sheet; Excel puts them in a shared-strings
    table and writes a <dimension>. Parsing that is cheaper, so the ratio is stricter on
    the file registrars actually upload.
    """
    index: dict[str, int] = {}
    order: list[str] = []

    def shared(match: re.Match) -> str:
        text = match.group(2)
        if text not in index:
            index[text] = len(order)
            order.append(text)
        return f'<c r="{match.group(1)}" t="s"><v>{index[text]}</v></c>'

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = _INLINE.sub(shared, data.decode())
                rows = text.count("<row ")
                text = text.replace(
                    "<sheetViews>", f'<dimension ref="A1:{get_column_letter(len(HEADER))}{rows}"/><sheetViews>', 1
                )
                data = text.encode()
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    b'sharedStrings" Target="sharedStrings.xml" Id="rIdSharedStrings"/></Relationships>',
                )
            dst.writestr(info.filename, data)
        items = "".join(f"<si><t>{escape(t)}</t></si>" for t in order)
        dst.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(order)}" uniqueCount="{len(order)}">{items}</sst>',
        )


def bare_parse(path: Path) -> float:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    for _row in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def timed_import(campaign: Campaign, path: Path):
    started = time.perf_counter()
    report = import_roster(campaign=campaign, source=path, actor=None, filename=path.name)
    elapsed = time.perf_counter() - started
    if report.errors:
        sys.exit(f"import failed: {report.errors[:5]}")
    return elapsed, report


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def memory_child(path: Path) -> None:
    campaign = Campaign.objects.get(code="bench-roster")
    before = rss_mb()
    report = import_roster(campaign=campaign, source=path, actor=None)
    if report.errors:
        sys.exit(f"import failed: {report.errors[:5]}")
    print(f"{before:.1f} {rss_mb():.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    campaign = setup_campaign()
    delete_students(campaign)
    with tempfile.TemporaryDirectory() as tmp:
        inline, excel = Path(tmp) / "openpyxl.xlsx", Path(tmp) / "excel.xlsx"
        changed, changed_inline = Path(tmp) / "changed.xlsx", Path(tmp) / "changed-openpyxl.xlsx"
        build_roster(inline, args.rows)
        excel_style(inline, excel)
        build_roster(changed_inline, args.rows, major="软件工程")
        excel_style(changed_inline, changed)

        results = []
        for label, path in (("Excel-style (shared strings)", excel), ("openpyxl-written (inline strings)", inline)):
            # Interleaved, so a colleague's job slowing the machine hits both sides alike.
            parse_times, import_times = [], []
            for _ in range(3):
                parse_times.append(bare_parse(path))
                delete_students(campaign)
                import_times.append(timed_import(campaign, path)[0])
            results.append((label, path.stat().st_size / 1024, parse_times, import_times))
        again, again_report = timed_import(campaign, excel)
        updated, updated_report = timed_import(campaign, changed)

        delete_students(campaign)
        child = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(excel)], capture_output=True, text=True, check=True
        )
        rss_before, rss_peak = (float(x) for x in child.stdout.split())

        delete_students(campaign)
        tracemalloc.start()
        import_roster(campaign=campaign, source=excel, actor=None)
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        delete_students(campaign)

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {args.rows} rows, 11 columns")
    for label, size_kb, parse_times, import_times in results:
        parse, fresh = statistics.median(parse_times), statistics.median(import_times)
        ratio = fresh / parse
        verdict = "OK" if ratio <= RATIO_GOAL else "ABOVE GOAL"
        print(f"{label} file, {size_kb:.0f} KB:")
        print(f"  bare openpyxl read-only parse, median of 3: {parse:.2f} s  [{_list(parse_times)}]")
        print(f"  import of {args.rows} new students, median of 3: {fresh:.2f} s  [{_list(import_times)}]")
        print(f"  ratio import/parse: {ratio:.2f}  (goal <= {RATIO_GOAL:.1f}: {verdict})")
    print(f"re-import of the Excel-style file, unchanged: {again:.2f} s  ({again_report.counts_text()})")
    print(f"re-import with every row changed: {updated:.2f} s  ({updated_report.counts_text()})")
    verdict = "OK" if rss_peak < MEMORY_GOAL_MB else "ABOVE GOAL"
    print(
        f"peak RSS of an import process (VmHWM): {rss_peak:.0f} MB  "
        f"(Django loaded, before the import: {rss_before:.0f} MB; goal < {MEMORY_GOAL_MB} MB: {verdict})"
    )
    print(f"tracemalloc peak, one import: {traced_peak / 1024 / 1024:.0f} MB of Python allocations")


if __name__ == "__main__":
    main()
