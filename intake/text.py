"""Cell and header text as clerks' files write it."""

import re
import unicodedata

# "手机号（必填）", "学号(xh)", "采集码[学信网]": a trailing note or code in brackets is not the name.
_TRAILING_NOTE = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]$")
_FORMULA_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)
_APOSTROPHES = ("'", "‘", "’", "`")


def normalize_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    text = "".join(text.split()).strip("*:：#")
    for _ in range(2):
        text = _TRAILING_NOTE.sub("", text).strip("*:：#")
    return text.casefold()


def header_code(value) -> str:
    """The code in a header's brackets (`学号(xh)` -> `xh`), for files whose names are unfamiliar."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    match = re.search(r"[(\[]([A-Za-z_]{1,12})[)\]]\s*$", text)
    return match.group(1).casefold() if match else ""


def clean_cell(value):
    """Text as the clerk meant it: a leading apostrophe and Excel's ="0123" trick removed."""
    if isinstance(value, str):
        if not value:
            return None
        if value.startswith(_APOSTROPHES):
            value = value[1:]
        elif value.startswith('="'):
            match = _FORMULA_TEXT.match(value)
            if match:
                value = match.group(1)
        if not value.strip():
            return None
    return value


def plain(value) -> str:
    """A cell as comparable text: NFKC-folded, no spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())
