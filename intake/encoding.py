"""Text files from Chinese systems: UTF-8 (with or without BOM), GBK/GB18030, sometimes UTF-16."""

import re

from .errors import IntakeError

_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
# What clerks' files are written in; limiting detection to these keeps it fast and avoids
# exotic single-byte guesses for short files.
_CANDIDATES = ["gb18030", "big5", "utf_16", "utf_8"]


def _refuse() -> IntakeError:
    return IntakeError("encoding_unknown")


def decode_text(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """(text, encoding): never a guess that would show mojibake; refused when unsure."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii").lower()
            if name in ("gb2312", "gbk", "gb18030"):
                name = "gb18030"  # a superset: files labelled gb2312 routinely hold GBK characters
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144], cp_isolation=_CANDIDATES).best()
    if best is None:
        raise _refuse()
    name = "gb18030" if best.encoding in ("gb2312", "gbk", "gb18030", "hz") else best.encoding
    return _strict(data, name), name


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise _refuse() from None
