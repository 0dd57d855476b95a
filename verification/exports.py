"""The verification workbook: progress per college, the overdue list and those not confirmed yet
with the deadline ahead (write-only openpyxl).

A fixed number of queries: the per-college aggregates, then the overdue rows streamed
with values() through a server-side iterator.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.registries import register
from core.spreadsheets import DataWorkbook
from sessions_app.models import Campaign, Student
from sessions_app.scope import visible_students

from .models import OPEN_STATUSES, ProblemReport
from .selectors import college_progress, overdue_records, totals, unconfirmed_records


def _students(campaign: Campaign, user):
    # user None is the command line, which sees everything.
    if user is None:
        return Student.objects.filter(campaign=campaign)
    return visible_students(user, campaign)


def _sheet(workbook, title: str, headers: list[str], widths: list[int]):
    ws = workbook.create_sheet(title)
    ws.write_header(headers, widths=widths)
    return ws


@register("verification", title=gettext_lazy("网上校对进度与逾期名单"), roles=("coordinator", "counselor"))
def verification_report(*, campaign: Campaign, user, stream, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    students = _students(campaign, user)
    workbook = DataWorkbook()
    _progress_sheet(workbook, students=students, today=today)
    _overdue_sheet(workbook, students=students, today=today)
    _pending_sheet(workbook, students=students, today=today)
    workbook.save(stream)


def _progress_sheet(workbook, *, students, today: datetime.date) -> None:
    ws = _sheet(
        workbook,
        _("各学院进度"),
        [
            _("学院"),
            _("名单人数"),
            _("已采集"),
            _("已确认"),
            _("待确认（未逾期）"),
            _("已逾期"),
            _("有问题"),
            _("确认率"),
        ],
        [24, 10, 10, 10, 16, 10, 10, 10],
    )
    progress = college_progress(students=students, today=today)
    for row in [*progress, totals(progress)]:
        ws.append(
            [
                row.college.name,
                row.roster,
                row.captured,
                row.verified,
                row.pending,
                row.overdue,
                row.problem,
                ws.percent(row.verified / row.captured if row.captured else 0),
            ]
        )


def _overdue_sheet(workbook, *, students, today: datetime.date) -> None:
    _student_sheet(
        workbook,
        _("逾期未确认名单"),
        records=overdue_records(students=students, today=today),
        days_header=_("逾期天数"),
        days=lambda due_date: (today - due_date).days,
    )


def _pending_sheet(workbook, *, students, today: datetime.date) -> None:
    """Who still has time: the list a coordinator reminds before it becomes the overdue one."""
    _student_sheet(
        workbook,
        _("未确认（截止前）"),
        records=unconfirmed_records(students=students, today=today),
        days_header=_("剩余天数"),
        days=lambda due_date: (due_date - today).days,
    )


def _student_sheet(workbook, title: str, *, records, days_header: str, days) -> None:
    ws = _sheet(
        workbook,
        title,
        [
            _("学院"),
            _("班级"),
            _("学号"),
            _("姓名"),
            _("手机号"),
            _("采集日期"),
            _("截止日期"),
            days_header,
            _("未解决的问题"),
        ],
        [22, 16, 14, 10, 14, 12, 12, 10, 30],
    )
    problems = _open_problems(records)
    for values in records.values_list(
        "student__college__name",
        "student__class_name",
        "student__student_no",
        "student__name",
        "student__phone",
        "captured_on",
        "due_date",
        "student_id",
    ).iterator(chunk_size=2000):
        college, class_name, student_no, name, phone, captured_on, due_date, student_id = values
        ws.append(
            [
                college,
                class_name,
                student_no,
                name,
                phone,
                ws.date(captured_on),
                ws.date(due_date),
                days(due_date),
                "；".join(problems.get(student_id, [])),
            ]
        )


def _open_problems(records) -> dict[int, list[str]]:
    """The unresolved problem types of each listed student, in words (one query)."""
    problems: dict[int, list[str]] = {}
    labels = dict(ProblemReport._meta.get_field("problem_type").choices)
    for student_id, problem_type in ProblemReport.objects.filter(
        status__in=OPEN_STATUSES, student__in=records.values("student_id")
    ).values_list("student_id", "problem_type"):
        problems.setdefault(student_id, []).append(str(labels.get(problem_type, problem_type)))
    return problems
