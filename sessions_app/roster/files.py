"""Is this really a readable .xlsx, and its rows as a stream.

Everything a user can upload passes through here first, so a renamed text file,
an old .xls, an encrypted workbook or a zip bomb gets a sentence that says what
to do instead of a stack trace.
"""

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

# Compound File Binary: legacy .xls, and also what Excel wraps a password-protected .xlsx in.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Source = str | Path | IO[bytes]


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def _max_uncompressed() -> int:
    # openpyxl keeps the shared strings in memory, so the inflated size bounds our memory use.
    return 10 * settings.ROSTER_UPLOAD_MAX_BYTES


def _head(source: Source, size: int) -> bytes:
    if isinstance(source, str | Path):
        try:
            with open(source, "rb") as fh:
                return fh.read(size)
        except FileNotFoundError:
            raise RosterFileError(_("找不到文件：%(path)s") % {"path": source}) from None
        except IsADirectoryError:
            raise RosterFileError(_("这是一个目录，不是文件：%(path)s") % {"path": source}) from None
    source.seek(0)
    head = source.read(size)
    source.seek(0)
    return head


def check_xlsx(source: Source) -> None:
    """Raise RosterFileError unless source looks like an .xlsx workbook openpyxl can open safely."""
    head = _head(source, 8)
    if not head:
        raise RosterFileError(_("文件是空的：请上传学生名单 .xlsx 文件"))
    if head.startswith(_OLE_MAGIC):
        raise RosterFileError(
            _(
                "这是旧版 Excel（.xls）文件或设置了打开密码的文件："
                "请在 Excel 或 WPS 中“另存为” .xlsx（不设密码）后再导入"
            )
        )
    if not head.startswith(b"PK"):
        raise RosterFileError(
            _(
                "这不是 .xlsx 文件（内容不是 Excel 工作簿，可能是改了扩展名的文本或 CSV 文件）："
                "请在 Excel 或 WPS 中另存为 .xlsx"
            )
        )
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError(_("文件已损坏，无法作为 .xlsx 打开：请重新导出或另存为 .xlsx 后再试")) from None
    finally:
        if not isinstance(source, str | Path):
            source.seek(0)
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise RosterFileError(_("这是一个压缩文件，但不是 Excel 工作簿（.xlsx）：请上传 .xlsx 格式的名单"))
    if sum(info.file_size for info in infos) > _max_uncompressed():
        raise RosterFileError(
            _("文件解压后超过 %(size)s，不像是一份学生名单：请只保留名单所在的工作表后再导入")
            % {"size": human_size(_max_uncompressed())}
        )


class Sheet:
    def __init__(self, title: str, rows: Iterator[tuple], other_sheets: list[str]):
        self.title = title
        self.rows = rows
        self.other_sheets = other_sheets


def _guarded(rows: Iterator[tuple]) -> Iterator[tuple]:
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:
            # A corrupt sheet fails inside openpyxl's XML parser with any of a dozen exception
            # types; to the user they all mean the same thing.
            raise RosterFileError(
                _("文件内容已损坏，读取到一半失败：请在 Excel 或 WPS 中重新另存为 .xlsx 后再试")
            ) from None
        yield row


@contextmanager
def open_first_sheet(source: Source):
    """Yield the first worksheet's rows as tuples of cell values (row 1 first, gaps kept)."""
    from openpyxl import load_workbook

    check_xlsx(source)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:
        # Same reasoning as in _guarded: openpyxl raises KeyError, ParseError, TypeError... on bad files.
        raise RosterFileError(_("文件无法作为 Excel 工作簿打开（可能已损坏）：请重新另存为 .xlsx 后再试")) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise RosterFileError(_("工作簿里没有工作表"))
        sheet = sheets[0]
        # Some generators write a wrong <dimension>; trusting it would silently drop rows.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        yield Sheet(sheet.title, _guarded(rows), [s.title for s in sheets[1:]])
    finally:
        workbook.close()
