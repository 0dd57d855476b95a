"""Find the table a clerk means in a workbook, and hand its rows over with sheet row numbers."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import formats, readers
from .errors import IntakeError, Notice
from .guards import Limits, check_size
from .messages import INTAKE
from .refusals import expected_text
from .text import clean_cell, header_code, normalize_header, plain

HEADER_SEARCH_ROWS = 20
INSTRUCTION_SHEETS = (
    "填表说明",
    "填写说明",
    "说明",
    "使用说明",
    "导入说明",
    "注意事项",
    "instructions",
    "readme",
    "示例",
)
_FOOTER = re.compile(
    r"^(制表人|制表|填表人|经办人|打印日期|打印时间|导出时间|审核人|审核|负责人|签字|签名|盖章|合计|总计|小计|共计|备注|说明|注[:：])"
)
_COUNT_FOOTER = re.compile(r"^共\d+(人|条|行|名)")

Source = str | Path | bytes | IO[bytes]


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # the name shown to the clerk and written in the template
    variants: tuple[str, ...] = ()  # other headers meaning the same, CHSI codes included (XH, SFZH...)
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class Vocabulary:
    fields: tuple[Field, ...]
    # At least one of each group must be present (CHSI: 学号 or 身份证号).
    one_of: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self):
        lookup = {}
        for f in self.fields:
            for name in (f.label, *f.variants):
                lookup.setdefault(normalize_header(name), f)
        object.__setattr__(self, "_lookup", lookup)

    def field_for(self, header) -> Field | None:
        if header is None or header == "":
            return None
        found = self._lookup.get(normalize_header(header))
        if found is None:
            code = header_code(header)
            found = self._lookup.get(code) if code else None
        return found

    def label(self, key: str) -> str:
        return next(f.label for f in self.fields if f.key == key)

    def expected_data(self) -> dict:
        """The headers this vocabulary reads, as data (a refusal's params): rendered by refusals.expected_text."""

        def one(f: Field) -> str:
            others = [v for v in f.variants if not v.isascii()][:3]
            return f"{f.label}（{'/'.join(others)}）" if others else f.label

        return {
            "required": [one(f) for f in self.fields if f.required],
            "one_of": [[self.label(k) for k in group] for group in self.one_of],
            "optional": [one(f) for f in self.fields if not f.required],
        }

    def expected(self) -> str:
        return expected_text(self.expected_data())


@dataclass
class Table:
    kind: str
    sheet: str
    header_row: int  # the (last) header row's number in the sheet
    columns: dict[str, int]  # field key -> 0-based column index
    titles: dict[str, str]  # field key -> the header as written in the file
    headers: list[str]  # every header cell, by column, as written
    rows: list[tuple[int, list]] = field(default_factory=list)  # (sheet row number, cells)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (label, first, second)
    notices: list[Notice] = field(default_factory=list)
    encoding: str = ""

    def has(self, key: str) -> bool:
        return key in self.columns

    def title(self, key: str, vocabulary: Vocabulary | None = None) -> str:
        if key in self.titles:
            return self.titles[key]
        return vocabulary.label(key) if vocabulary else key

    def cell(self, cells: list, key: str):
        index = self.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None


def read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        try:
            with open(source, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            raise IntakeError("file_missing", path=str(source)) from None
        except IsADirectoryError:
            raise IntakeError("file_missing", path=str(source), directory=True) from None
    source.seek(0)
    data = source.read()
    source.seek(0)
    return data


def source_size(source: Source) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | Path):
        try:
            return Path(source).stat().st_size
        except OSError:
            return None
    size = getattr(source, "size", None)
    return size if isinstance(size, int) else None


def open_table(source: Source, *, vocabulary: Vocabulary, filename: str = "", limits: Limits | None = None) -> Table:
    """Guard, read and locate the table; IntakeError (code + message) when the file cannot be used."""
    limits = limits or Limits()
    size = source_size(source)
    if size is not None:
        check_size(size, limits)  # before reading a byte of an oversized file
    data = read_bytes(source)
    check_size(len(data), limits)
    kind = formats.sniff(data)
    notices = []
    mismatch = formats.mismatch_notice(kind, filename or (str(source) if isinstance(source, str | Path) else ""))
    if mismatch:
        notices.append(INTAKE.notice("format_mismatch", ext=mismatch, kind=kind))
    book = readers.read(data, kind, limits, sheet_filter=lambda name, visible: visible and not _is_instructions(name))
    table = _locate(book, vocabulary)
    table.notices[:0] = notices
    if book.encoding and book.encoding not in ("utf-8", "utf-8-sig"):
        table.notices.append(INTAKE.notice("encoding", encoding=book.encoding.upper()))
    table.encoding = book.encoding
    return table


def _is_instructions(name: str) -> bool:
    key = normalize_header(name)
    return any(key.startswith(word) or key.endswith(word) for word in INSTRUCTION_SHEETS)


def _fill_merged(sheet: readers.RawSheet) -> None:
    """A merged cell's value in every cell it covers: 学院 merged down its students' rows."""
    rows = sheet.rows
    for (r0, c0), (r1, c1) in sheet.merged:
        r0 -= sheet.first_row - 1
        r1 -= sheet.first_row - 1
        c0 -= sheet.first_column
        c1 -= sheet.first_column
        if r0 < 0 or c0 < 0 or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] in ("", None):
                    row[c] = value


def _score(vocabulary: Vocabulary, cells) -> int:
    return len({f.key for f in (vocabulary.field_for(v) for v in cells) if f is not None})


def _combined(vocabulary: Vocabulary, top: list, bottom: list) -> list:
    width = max(len(top), len(bottom))
    top = list(top) + [""] * (width - len(top))
    bottom = list(bottom) + [""] * (width - len(bottom))
    out = []
    for t, b in zip(top, bottom, strict=True):
        if vocabulary.field_for(b) is not None or (b not in ("", None) and vocabulary.field_for(t) is None):
            out.append(b)
        else:
            out.append(t if t not in ("", None) else b)
    return out


def _find_header(sheet: readers.RawSheet, vocabulary: Vocabulary) -> tuple[int, int, list] | None:
    """(index of the last header row, score, header cells) or None."""
    best = None
    rows = sheet.rows[:HEADER_SEARCH_ROWS]
    for i, row in enumerate(rows):
        candidates = [(i, _score(vocabulary, row), row)]
        if i + 1 < len(rows):
            merged = _combined(vocabulary, row, rows[i + 1])
            candidates.append((i + 1, _score(vocabulary, merged), merged))
        for candidate in candidates:
            if candidate[1] >= 2 and (best is None or candidate[1] > best[1]):
                best = candidate
    return best


def _locate(book: readers.RawBook, vocabulary: Vocabulary) -> Table:
    skipped_hidden = [s.name for s in book.sheets if not s.visible]
    skipped_instructions = [s.name for s in book.sheets if s.visible and _is_instructions(s.name)]
    found = None
    first_text = None
    # The sheet Excel opens on first, then the others in order.
    order = sorted(range(len(book.sheets)), key=lambda i: (i != book.active, i))
    for sheet in (book.sheets[i] for i in order):
        if not sheet.visible or _is_instructions(sheet.name) or not sheet.rows:
            continue
        _fill_merged(sheet)
        header = _find_header(sheet, vocabulary)
        if first_text is None:
            first_text = next(((sheet, i, r) for i, r in enumerate(sheet.rows[:5]) if any(plain(v) for v in r)), None)
        if header is not None and (found is None or header[1] > found[1][1]):
            found = (sheet, header)
            if not _missing(vocabulary, header[2]):
                break
    if found is None:
        first = {}
        if first_text is not None:
            sheet, i, row = first_text
            first = {"row": sheet.first_row + i, "titles": [str(v).strip() for v in row if plain(v)][:12]}
        raise IntakeError("header_missing", n=HEADER_SEARCH_ROWS, expected=vocabulary.expected_data(), **first)
    sheet, (index, _score_value, header_cells) = found
    table = _table(book.kind, sheet, index, header_cells, vocabulary)
    if len([s for s in book.sheets if s.visible]) > 1 or skipped_hidden:
        table.notices.insert(0, INTAKE.notice("sheet_chosen", name=sheet.name))
    if skipped_hidden:
        table.notices.append(INTAKE.notice("sheet_hidden", names=list(skipped_hidden)))
    if skipped_instructions:
        table.notices.append(INTAKE.notice("sheet_instructions", names=list(skipped_instructions)))
    missing = _missing(vocabulary, header_cells)
    if missing:
        raise IntakeError(
            "header_incomplete",
            sheet=sheet.name,
            row=table.header_row,
            missing=missing,
            found=[h for h in table.headers if h],
            expected=vocabulary.expected_data(),
        )
    return table


# First characters of a cell that clean_cell may change (apostrophes, Excel's ="0123").
_NEEDS_CLEANING = frozenset("'‘’`=")


def _missing(vocabulary: Vocabulary, header_cells) -> dict:
    """The required headers absent, as data ({} when none): rendered by refusals.missing_text."""
    present = {f.key for f in (vocabulary.field_for(v) for v in header_cells) if f is not None}
    fields = [f.label for f in vocabulary.fields if f.required and f.key not in present]
    groups = [[vocabulary.label(k) for k in group] for group in vocabulary.one_of if not present.intersection(group)]
    return {"fields": fields, "one_of": groups} if fields or groups else {}


def _table(kind: str, sheet: readers.RawSheet, index: int, header_cells: list, vocabulary: Vocabulary) -> Table:
    headers = [" ".join(str(v).split()) if v not in (None, "") else "" for v in header_cells]
    table = Table(kind, sheet.name, sheet.first_row + index, {}, {}, headers)
    for position, title in enumerate(headers):
        if not title:
            continue
        f = vocabulary.field_for(title)
        if f is None:
            table.unknown.append(title)
        elif f.key in table.columns:
            table.duplicates.append((f.label, table.titles[f.key], title))
        else:
            table.columns[f.key] = position
            table.titles[f.key] = title
    if table.unknown:
        table.notices.append(INTAKE.notice("columns_ignored", names=list(table.unknown)))
    width = len(headers)
    footers, repeats = [], []
    # A header repeated on each printed page is the same text again in the recognised columns.
    probes = [(i, headers[i]) for i in sorted(table.columns.values())[:2]]
    (probe1, title1), (probe2, title2) = probes if len(probes) == 2 else ((None, None), (None, None))
    for i in range(index + 1, len(sheet.rows)):
        # The hot loop of every import: most cells need nothing, so only those that might are passed
        # on, in one comprehension (cheaper than an indexed loop). The sheet is ours and read once.
        cells = sheet.rows[i] = [
            clean_cell(v) if v.__class__ is str and v[:1] in _NEEDS_CLEANING else v for v in sheet.rows[i]
        ]
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        # The first non-blank cell; almost always the row's first cell, tested without a generator.
        first = cells[0] if cells else None
        if first is None or (isinstance(first, str) and not first.strip()):
            first = next((v for v in cells if v is not None and (not isinstance(v, str) or v.strip())), None)
            if first is None:
                continue
        number = sheet.first_row + i
        # Every footer word is Chinese: a pure-ASCII first cell (a student number) is never one.
        if isinstance(first, str) and not first.isascii():
            text = plain(first)
            if _FOOTER.match(text) or _COUNT_FOOTER.match(text):
                footers.append(number)
                continue
        if probe1 is not None:
            cell = cells[probe1]
            if isinstance(cell, str) and cell.strip() == title1:
                cell = cells[probe2]
                if isinstance(cell, str) and cell.strip() == title2:
                    repeats.append(number)
                    continue
        table.rows.append((number, cells))
    if footers:
        table.notices.append(INTAKE.notice("footer_skipped", rows=tuple(footers), lines=footers[:10]))
    if repeats:
        table.notices.append(INTAKE.notice("header_repeated", rows=tuple(repeats), lines=repeats[:10]))
    return table
