"""Workbooks the intake hands back: the clerk's bad rows with a reason, and each import's template."""

import io
from collections import defaultdict

from django.utils.translation import gettext as _

from .errors import RowError
from .table import Table, Vocabulary

# Text that Excel or WPS would run as a formula when the clerk opens the file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def error_workbook(table: Table, errors: list[RowError]) -> bytes:
    """The bad rows as they were in the file, with the sheet row number and the reasons beside them."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    by_row: dict[int, list[str]] = defaultdict(list)
    general: list[str] = []
    for error in errors:
        if error.row is None:
            general.append(error.message)
        else:
            text = f"{error.column}：{error.message}" if error.column else error.message
            by_row[error.row].append(text)
    cells_by_row = dict(table.rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误行"))
    header = [_("原行号"), _("错误原因"), *table.headers]
    sheet.append(header)
    for number in sorted(by_row):
        cells = cells_by_row.get(number, [])
        values = [number, "；".join(by_row[number]), *(_safe(v) for v in cells[: len(table.headers)])]
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.number_format = "@"  # ID numbers and student numbers stay text when the clerk re-saves
            row.append(cell)
        sheet.append(row)
    if general:
        notes = workbook.create_sheet(_("整体问题"))
        for message in general:
            notes.append([message])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_workbook(vocabulary: Vocabulary, *, title: str, notes: list[str] = ()) -> bytes:
    """An empty table with the headers an import reads, one example row, and a 填表说明 sheet after it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for column, f in enumerate(vocabulary.fields, start=1):
        cell = sheet.cell(row=1, column=column, value=f.label)
        if f.required:
            cell.font = Font(bold=True)
        example = sheet.cell(row=2, column=column, value=f.example or None)
        example.number_format = "@"
        sheet.column_dimensions[cell.column_letter].width = max(10, 2 * len(f.label) + 4, len(f.example) + 2)
        for r in range(3, 200):
            sheet.cell(row=r, column=column).number_format = "@"
    help_sheet = workbook.create_sheet(_("填表说明"))
    help_sheet.append([_("列名"), _("是否必填"), _("也可写作")])
    for f in vocabulary.fields:
        help_sheet.append([f.label, _("必填") if f.required else _("可选"), "、".join(f.variants)])
    for note in notes:
        help_sheet.append([note])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
