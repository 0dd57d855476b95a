"""Dates, times and money as a reader sees them, in the active language: the one place for it.

Templates use the same functions through `{% load formatting %}` (|money, |datetime_short, ...).
Times are shown in Asia/Shanghai whatever the language; only the words and order change.
"""

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils import dateformat, timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _


def clauses(*parts: str) -> str:
    """Counted clauses of one sentence ("新增 3 人，更新 1 人"), each its own ngettext, joined the reader's way.

    A sentence with several counts cannot be one ngettext (English needs a form per count).
    """
    return pgettext("separator between counted clauses", "，").join(parts)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def money(value: object) -> str:
    """¥17.00 in both languages (the currency is always CNY); an unreadable value is shown as is."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):.2f}"


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    if _english():
        return f"{value.day} {value:%b} {value.year}"
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


def date_weekday(value: datetime.date | None) -> str:
    """2020年11月26日 星期四 / Thursday 26 Nov 2020: the day a student must come."""
    if value is None:
        return ""
    weekday = dateformat.format(value, "l")  # the weekday's name in the active language
    return f"{weekday} {date(value)}" if _english() else f"{date(value)} {weekday}"


def datetime_long(value: datetime.datetime | None) -> str:
    """2020年11月26日 08:31 / 26 Nov 2020 08:31."""
    if value is None:
        return ""
    return f"{date(value)} {_local(value):%H:%M}"


def date_short(value: datetime.date | datetime.datetime | None) -> str:
    """11月26日 / 26 Nov: a day of this year (slots, desks); a day of another year carries it
    (2027年2月10日 / 10 Feb 2027), so a campaign cloned across a new year never shows a bare 2月10日."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    if value.year != timezone.localdate().year:
        return date(value)
    if _english():
        return f"{value.day} {value:%b}"
    return _("%(m)s月%(d)s日") % {"m": value.month, "d": value.day}


def datetime_day(value: datetime.datetime | None) -> str:
    """11月26日 08:31 / 26 Nov 08:31: when something happened on a campaign day."""
    if value is None:
        return ""
    return f"{date_short(value)} {_local(value):%H:%M}"


def date_iso(value: datetime.date | datetime.datetime | None) -> str:
    """2020-11-26 in both languages: tables and exports, where columns must line up."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    return f"{value:%Y-%m-%d}"


def time_of_day(value: datetime.datetime | None) -> str:
    """08:31:05, local time: when within a day (a desk's recent swipes, how long a job ran)."""
    if value is None:
        return ""
    return f"{_local(value):%H:%M:%S}"


def datetime_short(value: datetime.datetime | None) -> str:
    """2020-11-26 08:31, local time: lists and histories."""
    if value is None:
        return ""
    return f"{_local(value):%Y-%m-%d %H:%M}"


def time_range(start: datetime.time, end: datetime.time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def tel_href(value: object) -> str:
    """The number a phone can dial from a written one: "87188626（5626）" -> "tel:87188626"; "" if none."""
    match = re.search(r"\+?\d[\d\- ]{4,}\d", str(value or ""))
    return "tel:" + re.sub(r"[\- ]", "", match.group(0)) if match else ""


def colon() -> str:
    """After a label: "：" in Chinese, ": " in English (full-width punctuation reads wrong there)."""
    return ": " if _english() else "："


def paren(value: object) -> str:
    """An aside after a word: "（学生）" in Chinese, " (student)" in English."""
    return f" ({value})" if _english() else f"（{value}）"


_ENGLISH_SEPARATORS = {"；": "; ", "、": ", ", "，": ", "}


def joined(values: Iterable[object] | None, separator: str = "；") -> str:
    """Items of one list in a sentence: "；" (or "、") between them in Chinese, "; " (", ") in English."""
    if _english():
        separator = _ENGLISH_SEPARATORS.get(separator, separator)
    return separator.join(str(v) for v in values or ())


def punctuation(mark: str) -> str:
    """A full-width mark written in a template outside a translated string, in the reader's language."""
    return _ENGLISH_PUNCTUATION.get(mark, mark) if _english() else mark


_ENGLISH_PUNCTUATION = {"（": " (", "）": ")", "：": ": ", "，": ", ", "；": "; ", "、": ", ", "。": ". "}
