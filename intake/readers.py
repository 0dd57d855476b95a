"""Turn a guarded file into sheets of cell values, one reader per real format.

Measured on a 20,000-row roster (bench/import_roster.py, loaded 2-core machine): python-calamine
reads the .xlsx in 1.7 s where openpyxl read-only takes 11.7 s (6.8x). For .xls calamine is
faster (0.8 s against xlrd's 4.4 s) but builds a dense grid from the extreme cell positions,
so a two-cell file at A1 and IV65536 costs 16.7 million cells; xlrd 2 with ragged rows keeps
memory proportional to the cells present, and .xls has no zip directory to check beforehand.
CSV and "web page" .xls are decoded after detecting the encoding (charset-normalizer, limited
to the encodings Chinese systems write: 0.67 s for a 2.6 MB GBK file, parse included).
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from . import formats, html_table
from .encoding import decode_text
from .errors import IntakeError
from .guards import Limits, check_zip, extent_error
from .refusals import html_sheet_name


@dataclass
class RawSheet:
    name: str
    rows: list[list]  # cell values, '' or None for blank; rows[0] is sheet row `first_row`
    visible: bool = True
    first_row: int = 1
    first_column: int = 0
    # ((row0, col0), (row1, col1)), 0-based and inclusive, in sheet coordinates.
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass
class RawBook:
    kind: str
    sheets: list[RawSheet]
    encoding: str = ""
    active: int = 0  # index of the sheet Excel opens on (workbookView activeTab)


_ACTIVE_TAB = re.compile(rb'<(?:\w+:)?workbookView\b[^>]*\sactiveTab="([0-9]{1,4})"')


def _active_tab(data: bytes) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            match = _ACTIVE_TAB.search(archive.read("xl/workbook.xml")[:65536])
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return 0
    return int(match.group(1)) if match else 0


def _corrupt() -> IntakeError:
    return IntakeError("file_corrupt", where="content")


def _reraise_fatal(exc: BaseException) -> None:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise exc


def read_calamine(data: bytes, kind: str, limits: Limits, *, sheet_filter=None) -> RawBook:
    import python_calamine

    if kind in (formats.XLSX, formats.ODS):
        check_zip(data, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise IntakeError("file_encrypted") from None
    except BaseException as exc:  # a Rust panic is a BaseException; every failure here means "unreadable"
        _reraise_fatal(exc)
        raise _corrupt() from None
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                continue
            visible = str(meta.visible).rsplit(".", 1)[-1] == "Visible"
            if sheet_filter is not None and not sheet_filter(meta.name, visible):
                sheets.append(RawSheet(meta.name, [], visible=visible))
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            start = sheet.start or (0, 0)
            height, width = sheet.height, sheet.width
            if height > limits.max_rows or width > limits.max_columns or height * width > limits.max_cells:
                raise extent_error(limits)
            merged = [tuple(map(tuple, r)) for r in (sheet.merged_cell_ranges or [])]
            sheets.append(RawSheet(meta.name, sheet.to_python(), visible, start[0] + 1, start[1], merged))
    except IntakeError:
        raise
    except BaseException as exc:
        _reraise_fatal(exc)
        raise _corrupt() from None
    finally:
        workbook.close()
    return RawBook(kind, sheets, active=_active_tab(data) if kind == formats.XLSX else 0)


def read_xls(data: bytes, limits: Limits) -> RawBook:
    import xlrd

    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, ragged_rows=True, on_demand=True)
        except NotImplementedError:  # formatting of some BIFF versions is not supported
            book = xlrd.open_workbook(file_contents=data, ragged_rows=True, on_demand=True)
    except Exception:
        raise _corrupt() from None
    sheets = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows > limits.max_rows or sheet.ncols > limits.max_columns:
                raise extent_error(limits)
            rows = [_xls_row(book, sheet, r) for r in range(sheet.nrows)]
            merged = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in getattr(sheet, "merged_cells", [])]
            sheets.append(RawSheet(sheet.name, rows, sheet.visibility == 0, 1, 0, merged))
            book.unload_sheet(index)
    except IntakeError:
        raise
    except Exception:
        raise _corrupt() from None
    finally:
        book.release_resources()
    return RawBook(formats.XLS, sheets)


def _xls_row(book, sheet, r: int) -> list:
    import xlrd

    values = sheet.row_values(r)
    types = sheet.row_types(r)
    for c, kind in enumerate(types):
        if kind == xlrd.XL_CELL_DATE:
            try:
                moment = xlrd.xldate_as_datetime(values[c], book.datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                continue
            values[c] = moment.date() if moment.time() == datetime.time() else moment
        elif kind == xlrd.XL_CELL_ERROR:
            values[c] = None
        elif kind == xlrd.XL_CELL_BOOLEAN:
            values[c] = bool(values[c])
    return values


def read_csv(data: bytes, limits: Limits) -> RawBook:
    text, encoding = decode_text(data)
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(record) > limits.max_columns:
                raise extent_error(limits)
            rows.append(record)
            if len(rows) > limits.max_rows:
                raise extent_error(limits)
    except csv.Error:
        raise IntakeError("csv_malformed") from None
    return RawBook(formats.CSV, [RawSheet("CSV", rows)], encoding)


def read_html(data: bytes, limits: Limits) -> RawBook:
    text, encoding = decode_text(data, html=True)
    tables = html_table.parse_tables(text, limits)
    if not tables:
        raise IntakeError("html_no_table")
    sheets = [RawSheet(html_sheet_name(i), rows, merged=merged) for i, (rows, merged) in enumerate(tables, 1)]
    return RawBook(formats.HTML, sheets, encoding)


def read(data: bytes, kind: str, limits: Limits, *, sheet_filter=None) -> RawBook:
    if kind in (formats.XLSX, formats.ODS):
        return read_calamine(data, kind, limits, sheet_filter=sheet_filter)
    if kind == formats.XLS:
        return read_xls(data, limits)
    if kind == formats.HTML:
        return read_html(data, limits)
    return read_csv(data, limits)
