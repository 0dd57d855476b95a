"""Workbooks whose cells are data, never formulas: every export writes through `DataWorkbook`.

A roster name, a retake reason or a remittance note is typed by someone we do not control. Excel
and WPS treat text starting with = + - @ (and tab or carriage return before one) as a formula, so
such text is written as a string cell with the "quote prefix" style: shown and kept as the text
it is, never evaluated, and without an apostrophe added to the value.
"""

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
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


class DataWorksheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append([as_data(self, value) for value in row])


class DataWorkbook(Workbook):
    """A write-only workbook (constant memory) whose every appended cell goes through `as_data`."""

    def __init__(self):
        super().__init__(write_only=True)

    def create_sheet(self, title=None, index=None):
        sheet = DataWorksheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet
