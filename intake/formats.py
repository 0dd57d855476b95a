"""What a file really is, from its first bytes: an extension is only what someone typed."""

import zipfile
from io import BytesIO

from django.utils.translation import gettext_lazy

from .errors import IntakeError

XLSX, XLS, ODS, CSV, HTML = "xlsx", "xls", "ods", "csv", "html"

# Compound File Binary: legacy .xls, and also what Excel wraps a password-protected .xlsx in.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_NAMES = {
    XLSX: gettext_lazy("Excel 工作簿（.xlsx）"),
    XLS: gettext_lazy("Excel 97-2003 工作簿（.xls）"),
    ODS: gettext_lazy("OpenDocument 表格（.ods）"),
    CSV: gettext_lazy("文本（CSV）文件"),
    HTML: gettext_lazy("网页（HTML）表格"),
}


def describe(kind: str) -> str:
    return str(_NAMES[kind])


def extension_of(filename: str) -> str:
    name = (filename or "").lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
                    raise IntakeError("format_xlsb")
                return XLSX
            if "content.xml" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
                return ODS
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        raise IntakeError("file_corrupt", where="zip") from None
    raise IntakeError("format_zip")


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head[:4096]


def sniff(data: bytes) -> str:
    """The kind of table file data holds; IntakeError with a re-save instruction for the rest."""
    if not data:
        raise IntakeError("file_empty")
    head = data[:4096]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK"):
        return _zip_kind(data)
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED in data[:65536] or _ENCRYPTED in data[-65536:]:
            raise IntakeError("file_encrypted")
        return XLS
    if not _looks_like_text(head):
        raise IntakeError("format_unknown")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"mime-version") or b"multipart/related" in text[:600]:
        raise IntakeError("format_mht")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192] and b"<table" not in data[:8192].lower():
        raise IntakeError("format_xml2003")
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<table" in text[:2048]:
        return HTML
    return CSV


def mismatch_notice(kind: str, filename: str) -> str | None:
    """The file name's extension when it says something else than the content, else None."""
    ext = extension_of(filename)
    expected = {"xlsx": XLSX, "xlsm": XLSX, "xls": XLS, "csv": CSV, "txt": CSV, "ods": ODS, "htm": HTML, "html": HTML}
    if not ext or expected.get(ext) == kind:
        return None
    return ext
