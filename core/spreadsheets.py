"""Workbooks whose cells are data, never formulas: every export writes through `DataWorkbook`.

A roster name, a retake reason or a remittance note is typed by someone we do not control. Excel
and WPS treat text starting with = + - @ (and tab or carriage return before one) as a formula, so
such text is written as a string cell with the "quote prefix" style: shown and kept as the text
it is, never evaluated, and without an apostrophe added to the value.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeGuard

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from openpyxl import _Decodable  # the stub's name for the bytes-like titles openpyxl decodes
    from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
    from openpyxl.worksheet.filters import AutoFilter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def as_data(ws: Worksheet | WriteOnlyWorksheet, value: object) -> object:
    """The value as a cell Excel will not evaluate; other values are returned unchanged."""
    if isinstance(value, Cell):
        if is_formula_like(value.value):
            value.data_type = "s"
            value.quotePrefix = True
        return value
    if is_formula_like(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


MONEY_FORMAT = "0.00"  # ¥17 shows as 17.00, and stays a number the clerk can sum
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


# What `DataWorksheet` formats: Cell.value takes all of them (WriteOnlyCell's stub lists fewer).
CellValue = Decimal | float | str | datetime.date | None


class DataWorksheet(WriteOnlyWorksheet):
    if TYPE_CHECKING:
        # Set by Worksheet._setup, which WriteOnlyWorksheet borrows; its stub does not declare them.
        column_dimensions: DimensionHolder[str, ColumnDimension]
        auto_filter: AutoFilter

    def __init__(self, parent: Workbook | None, title: "str | _Decodable | None") -> None:
        super().__init__(parent, title)
        self._appended = 0
        self._header_row = 0
        self._columns = 0

    def write_header(
        self, titles: Sequence[str], *, widths: Iterable[int] = (), above: Iterable[Sequence[object]] = ()
    ) -> None:
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

    def money(self, amount: Decimal | float | None) -> Cell | None:
        return self._formatted(amount, MONEY_FORMAT)

    def percent(self, fraction: float | None) -> Cell | None:
        return self._formatted(fraction, PERCENT_FORMAT)

    def date(self, day: datetime.date | None) -> Cell | None:
        return self._formatted(day, DATE_FORMAT)

    def moment(self, naive_local_datetime: datetime.datetime | None) -> Cell | None:
        return self._formatted(naive_local_datetime, DATETIME_FORMAT)

    def append(self, row: Iterable[object]) -> None:
        super().append([as_data(self, value) for value in row])
        self._appended += 1

    def close(self) -> None:
        if self._columns:
            last_row = max(self._appended, self._header_row)
            self.auto_filter.ref = f"A{self._header_row}:{get_column_letter(self._columns)}{last_row}"
        super().close()

    def _bold(self, title: str) -> Cell:
        cell = WriteOnlyCell(self, value=title)
        cell.font = Font(bold=True)
        return cell

    def _formatted(self, value: CellValue, number_format: str) -> Cell | None:
        if value is None or value == "":
            return None
        cell = WriteOnlyCell(self)
        cell.value = value  # as WriteOnlyCell(self, value=value) would, for every CellValue
        cell.number_format = number_format
        return cell


class DataWorkbook(Workbook):
    """A write-only workbook (constant memory) whose every appended cell goes through `as_data`."""

    if TYPE_CHECKING:
        # Workbook's own way to attach a sheet (its create_sheet calls it); the stub omits it.
        def _add_sheet(self, sheet: WriteOnlyWorksheet, index: int | None = None) -> None: ...

    def __init__(self) -> None:
        super().__init__(write_only=True)

    def create_sheet(self, title: "str | _Decodable | None" = None, index: int | None = None) -> DataWorksheet:
        sheet = DataWorksheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet
