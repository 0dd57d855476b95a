"""Workbooks whose cells are data, never formulas: every export writes through `DataWorkbook`.

A roster name, a retake reason or a remittance note is typed by someone we do not control. Excel
and WPS treat text starting with = + - @ (and tab or carriage return before one) as a formula, so
such text is written as a string cell with the "quote prefix" style: shown and kept as the text
it is, never evaluated, and without an apostrophe added to the value.
"""

from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def as_data(ws, value):
    """The value as a cell Excel will not evaluate; other values are returned unchanged."""
    if isinstance(value, Cell):
        if is_formula_like(value.value):
            value.data_type = "s"
            value.quotePrefix = True
        return value
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


MONEY_FORMAT = "0.00"  # ¥17 shows as 17.00, and stays a number the clerk can sum
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class DataWorksheet(WriteOnlyWorksheet):
    def __init__(self, parent, title):
        super().__init__(parent, title)
        self._appended = 0
        self._header_row = 0
        self._columns = 0

    def write_header(self, titles: Sequence[str], *, widths: Iterable[int] = (), above: Iterable[list] = ()) -> None:
        """The column titles, bold and frozen on screen, with a filter over every row written below
        them (set when the sheet is saved). `above`: caption rows before the titles. Call it first:
        a write-only sheet fixes its frozen panes with its first row."""
        above = list(above)
        for index, width in enumerate(widths, start=1):
            self.column_dimensions[get_column_letter(index)].width = width
        self._header_row = len(above) + 1
        self._columns = len(titles)
        self.freeze_panes = f"A{self._header_row + 1}"
        for row in above:
            self.append(row)
        self.append([self._bold(title) for title in titles])

    def money(self, amount):
        return self._formatted(amount, MONEY_FORMAT)

    def percent(self, fraction):
        return self._formatted(fraction, PERCENT_FORMAT)

    def date(self, day):
        return self._formatted(day, DATE_FORMAT)

    def moment(self, naive_local_datetime):
        return self._formatted(naive_local_datetime, DATETIME_FORMAT)

    def append(self, row):
        super().append([as_data(self, value) for value in row])
        self._appended += 1

    def close(self):
        if self._columns:
            last_row = max(self._appended, self._header_row)
            self.auto_filter.ref = f"A{self._header_row}:{get_column_letter(self._columns)}{last_row}"
        super().close()

    def _bold(self, title: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self, value=title)
        cell.font = Font(bold=True)
        return cell

    def _formatted(self, value, number_format: str):
        if value is None or value == "":
            return None
        cell = WriteOnlyCell(self, value=value)
        cell.number_format = number_format
        return cell


class DataWorkbook(Workbook):
    """A write-only workbook (constant memory) whose every appended cell goes through `as_data`."""

    def __init__(self):
        super().__init__(write_only=True)

    def create_sheet(self, title=None, index=None):
        sheet = DataWorksheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet
