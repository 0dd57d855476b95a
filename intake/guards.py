"""Refuse a file before parsing it when it cannot be a table a clerk made.

Everything here is cheap: the zip's central directory, then one regex pass over the sheet
XML with a running count. A 1 MB workbook that inflates to gigabytes is refused from its
directory alone, before any XML parser or shared-strings table is built.
"""

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

from .errors import IntakeError
from .refusals import human_size  # noqa: F401  (re-exported: the roster's form and view name the limit)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_inflated: int = 200 * 1024 * 1024  # all parts together, uncompressed
    max_part: int = 120 * 1024 * 1024  # one part, uncompressed
    # Sheet XML compresses 5-20x; repeated college names reach ~60x. A bomb is in the thousands.
    max_ratio: int = 150
    max_parts: int = 2000
    max_rows: int = 200_000
    max_columns: int = 256
    max_cells: int = 4_000_000
    max_cell_chars: int = 32_767  # Excel's own limit for one cell


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise IntakeError("file_too_large", size=size, limit=limits.max_bytes)


def _too_big() -> IntakeError:
    return IntakeError("file_inflates")


def check_zip(data: bytes, limits: Limits) -> int:
    """Directory-level limits; then every worksheet's extent, without building it.

    Returns the largest row number any worksheet reaches (0 for .ods, whose rows carry none).
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_parts:
                raise IntakeError("file_parts", n=len(infos))
            total = extent = 0
            for info in infos:
                total += info.file_size
                big = info.file_size > 1024 * 1024
                if info.file_size > limits.max_part or (
                    big and info.file_size > limits.max_ratio * max(info.compress_size, 1)
                ):
                    raise _too_big()
            if total > limits.max_inflated:
                raise _too_big()
            for info in infos:
                name = info.filename
                if (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "content.xml":
                    extent = max(extent, _check_sheet_extent(archive, info, limits))
            return extent
    except zipfile.BadZipFile:
        raise IntakeError("file_corrupt", where="zip") from None


# r="AB12" on a cell, r="12" on a row (any attribute order, any namespace prefix): the positions a
# reader would allocate up to. One C-speed regex pass; cells are counted with bytes.count.
_REF = re.compile(rb'\sr="([A-Z]{0,3})([0-9]{1,7})"')
# Only refs that could break a limit are converted: six-digit rows, three-letter or two-letter columns.
_BIG_ROW = re.compile(rb' r="[A-Z]{0,3}([0-9]{6,})"')
_WIDE = re.compile(rb' r="([A-Z]{2,})[0-9]')
# Refs that may break a limit (three-letter columns, two-letter ones past IV = 256, rows of six
# digits): a block without any is cleared by this one search, the common case.
_SUSPECT = re.compile(rb' r="(?:[A-Z]{3}|[J-Z][A-Z][0-9]|I[W-Z][0-9]|[A-Z]{0,2}[0-9]{6})')
_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="([0-9]+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_sheet_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> int:
    max_row = max_col = cells = 0
    tail = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(1 << 20)
                # Keep a tail so a tag split across two chunks is seen whole once.
                block = tail + chunk
                cut = block.rfind(b"<") if chunk else len(block)
                block, tail = block[:cut], block[cut:]
                suspect = _SUSPECT.search(block) is not None
                for number in _BIG_ROW.findall(block) if suspect else ():
                    max_row = max(max_row, int(number))
                last = _REF.search(block, max(0, block.rfind(b' r="') - 1))
                if last:
                    max_row = max(max_row, int(last.group(2)))
                    max_col = max(max_col, _column_number(last.group(1)))
                for letters in set(_WIDE.findall(block)) if suspect else ():
                    max_col = max(max_col, _column_number(letters))
                cells += block.count(b"<c ") + block.count(b"<c>") + block.count(b":c ")
                if _ODS_REPEAT.search(block):
                    if max(int(n) for n in _ODS_REPEAT.findall(block)) > limits.max_rows:
                        raise extent_error(limits)
                if max_row > limits.max_rows or max_col > limits.max_columns or cells > limits.max_cells:
                    raise extent_error(limits)
                if not chunk:
                    break
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zipfile.LargeZipFile):
        raise IntakeError("file_corrupt", where="zip") from None
    if max_row * max(max_col, 1) > limits.max_cells:
        raise extent_error(limits)
    return max_row


def extent_error(limits: Limits) -> IntakeError:
    return IntakeError("file_extent", rows=limits.max_rows, cols=limits.max_columns)
