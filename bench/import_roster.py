"""Roster import benchmark: 20,000 rows as .xlsx, .xls and .csv, imported through the real service.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pc_bench_roster python bench/import_roster.py [--rows 20000]

For each format: the bare parse of the file with the reader the intake uses for it
(python-calamine for .xlsx, xlrd for .xls, charset detection + csv for .csv), the import's
wall time and their ratio (goal: at most 2x); the bare parse beside openpyxl read-only
(.xlsx) and calamine (.xls), the readers not chosen; peak memory (goal: under 300 MB):
- peak RSS: the high-water mark of resident memory (VmHWM from /proc/self/status) of a
  fresh child process that only sets up Django and imports the file, so building the
  test files here does not count; printed with the same figure just before the import;
- tracemalloc peak: Python allocations during a second, untimed import (tracing slows it down).
The campaign "bench-roster" and its colleges are created if missing and reused; its
students are deleted at the end (the audit events of the runs stay: they are append-only).
"""

import argparse
import datetime
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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

from demo import schedule as demo_schedule  # noqa: E402
from sessions_app.idcard import make_id_number  # noqa: E402
from sessions_app.models import Audience, Campaign, Campus, CaptureGroup, College, Location, Slot, Student  # noqa: E402
from sessions_app.roster.services import import_roster  # noqa: E402

RATIO_GOAL = 2.0
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


def roster_rows(rows: int, *, major: str = "计算机科学与技术") -> list[list]:
    out = []
    birth0 = datetime.date(1998, 1, 1)
    for n in range(rows):
        sequence = n % 1000
        birth = birth0 + datetime.timedelta(days=n // 1000)
        id_number = make_id_number(area=AREAS[n % len(AREAS)], birth=birth, sequence=sequence)
        out.append(
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
    return out


def build_roster(path: Path, rows: int, *, major: str = "计算机科学与技术") -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    for row in roster_rows(rows, major=major):
        sheet.append(row)
    workbook.save(path)


def build_xls(path: Path, rows: int) -> None:
    import xlwt  # dev requirement: writes the .xls CHSI asks schools for

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for c, title in enumerate(HEADER):
        sheet.write(0, c, title)
    for r, row in enumerate(roster_rows(rows), start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))


def build_csv(path: Path, rows: int) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(roster_rows(rows))
    path.write_bytes(buffer.getvalue().encode("gbk"))  # what Excel's "CSV (逗号分隔)" writes on a Chinese Windows


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


def bare_parse(path: Path, kind: str) -> float:
    """The reader the intake uses for this format, alone: no guard, no table finding, no validation."""
    from intake import readers
    from intake.guards import Limits

    data = path.read_bytes()
    started = time.perf_counter()
    if kind == "xlsx":
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        workbook.get_sheet_by_index(0).to_python()
        workbook.close()
    else:
        readers.read(data, kind, Limits())
    return time.perf_counter() - started


def openpyxl_parse(path: Path) -> float:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    for _row in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def calamine_xls_parse(path: Path) -> float:
    import python_calamine

    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    workbook.get_sheet_by_index(0).to_python()
    workbook.close()
    return time.perf_counter() - started


def timed_import(campaign: Campaign, path: Path):
    started = time.perf_counter()
    report = import_roster(campaign=campaign, source=path, actor=None, filename=path.name)
    elapsed = time.perf_counter() - started
    if report.errors:
        sys.exit(f"import failed: {[str(e) for e in report.errors[:5]]}")
    return elapsed, report


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def memory_child(path: Path) -> None:
    campaign = Campaign.objects.get(code="bench-roster")
    before = rss_mb()
    report = import_roster(campaign=campaign, source=path, actor=None, filename=path.name)
    if report.errors:
        sys.exit(f"import failed: {[str(e) for e in report.errors[:5]]}")
    print(f"{before:.1f} {rss_mb():.1f}")


def bomb_child(path: Path) -> None:
    """Import one bomb through the roster service: its refusal code, the time, the peak RSS."""
    from intake import IntakeError

    campaign = Campaign.objects.get(code="bench-roster")
    before = rss_mb()
    started = time.perf_counter()
    try:
        report = import_roster(campaign=campaign, source=path, actor=None, filename="bomb.xlsx")
        outcome = report.errors[0].code if report.errors else "ACCEPTED"
    except IntakeError as exc:
        outcome = exc.code
    elapsed = time.perf_counter() - started
    print(f"{outcome} {elapsed:.3f} {before:.1f} {rss_mb():.1f} {Student.objects.filter(campaign=campaign).count()}")


def bombs(tmp: Path) -> list[tuple[str, int, str]]:
    sys.path.insert(0, str(ROOT))
    from tests.intake import shapes

    made = []
    for name in ("huge_cell_bomb", "shared_strings_bomb", "rows_bomb", "many_rows_bomb"):
        path = tmp / f"{name}.xlsx"
        path.write_bytes(getattr(shapes, name)())
        made.append((name, path))
    truncated = tmp / "truncated.xlsx"
    truncated.write_bytes(shapes.truncated((tmp / "excel.xlsx").read_bytes()))
    made.append(("truncated (2/3 of the 20,000-row file)", truncated))
    results = []
    for name, path in made:
        child = subprocess.run(
            [sys.executable, __file__, "--bomb-child", str(path)], capture_output=True, text=True, check=True
        )
        results.append((name, path.stat().st_size, child.stdout.split()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bomb-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.bomb_child:
        bomb_child(args.bomb_child)
        return

    campaign = setup_campaign()
    delete_students(campaign)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inline, excel = tmp / "openpyxl.xlsx", tmp / "excel.xlsx"
        changed, changed_inline = tmp / "changed.xlsx", tmp / "changed-openpyxl.xlsx"
        xls, csv_path = tmp / "roster.xls", tmp / "roster.csv"
        build_roster(inline, args.rows)
        excel_style(inline, excel)
        build_roster(changed_inline, args.rows, major="软件工程")
        excel_style(changed_inline, changed)
        build_xls(xls, args.rows)
        build_csv(csv_path, args.rows)

        results = []
        for label, path, kind in (
            (".xlsx, Excel-style (shared strings)", excel, "xlsx"),
            (".xls (BIFF8, as CHSI asks for)", xls, "xls"),
            (".csv in GBK", csv_path, "csv"),
        ):
            # Interleaved, so a colleague's job slowing the machine hits both sides alike.
            parse_times, import_times, other_times = [], [], []
            for _ in range(3):
                parse_times.append(bare_parse(path, kind))
                if kind == "xlsx":
                    other_times.append(openpyxl_parse(path))
                elif kind == "xls":
                    other_times.append(calamine_xls_parse(path))
                delete_students(campaign)
                import_times.append(timed_import(campaign, path)[0])
            rss = []
            delete_students(campaign)
            child = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(path)], capture_output=True, text=True, check=True
            )
            rss = [float(x) for x in child.stdout.split()]
            results.append((label, kind, path.stat().st_size / 1024, parse_times, import_times, other_times, rss))
        delete_students(campaign)
        timed_import(campaign, excel)
        again, again_report = timed_import(campaign, excel)
        updated, updated_report = timed_import(campaign, changed)
        delete_students(campaign)
        bomb_results = bombs(tmp)
        delete_students(campaign)

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), {args.rows} rows, 11 columns")
    for label, kind, size_kb, parse_times, import_times, other_times, (rss_before, rss_peak) in results:
        parse, fresh = statistics.median(parse_times), statistics.median(import_times)
        ratio = fresh / parse
        verdict = "OK" if ratio <= RATIO_GOAL else "ABOVE GOAL"
        reader = {"xlsx": "python-calamine", "xls": "xlrd", "csv": "charset-normalizer + csv"}[kind]
        print(f"{label}, {size_kb:.0f} KB:")
        print(f"  bare parse ({reader}), median of 3: {parse:.2f} s  [{_list(parse_times)}]")
        if other_times:
            other = statistics.median(other_times)
            name = "openpyxl read-only" if kind == "xlsx" else "python-calamine"
            print(f"  bare parse ({name}), median of 3: {other:.2f} s  [{_list(other_times)}]  ({other / parse:.1f}x)")
        print(f"  import of {args.rows} new students, median of 3: {fresh:.2f} s  [{_list(import_times)}]")
        print(f"  ratio import/parse: {ratio:.2f}  (goal <= {RATIO_GOAL:.1f}: {verdict})")
        verdict = "OK" if rss_peak < MEMORY_GOAL_MB else "ABOVE GOAL"
        print(f"  peak RSS of an import process (VmHWM): {rss_peak:.0f} MB (before: {rss_before:.0f} MB; {verdict})")
    print(f"re-import of the .xlsx, unchanged: {again:.2f} s  ({again_report.counts_text()})")
    print(f"re-import with every row changed: {updated:.2f} s  ({updated_report.counts_text()})")
    print("bombs, each through the roster import in a fresh process:")
    for name, size, (code, elapsed, before, peak, written) in bomb_results:
        print(
            f"  {name}: {size / 1024:.0f} KB on disk -> refused as {code} in {float(elapsed) * 1000:.0f} ms, "
            f"peak RSS {float(peak):.0f} MB (before: {float(before):.0f} MB), students written: {written}"
        )


if __name__ == "__main__":
    main()
