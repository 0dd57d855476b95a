"""Resident ID numbers (GB 11643-1999): normalising, validating, masking.

The check character is ISO 7064 MOD 11-2 with the standard's weights, computed
here: it is one line, and python-stdnum's calc_check_digit() wants the number
*with* its check character, which once made this module compute the check over
16 digits and reject every real ID number. Each failure gets its own message a
registrar can act on.
"""

import datetime
import hashlib
import hmac
import operator
import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext_lazy

from core.errors import CodedError
from intake.errors import Messages

ID_LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_FLOAT_SHAPE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


MESSAGES = Messages(
    {
        "id_float": gettext_lazy(
            "身份证号存成了数字格式，Excel 已把后几位变成 0 或科学计数法（%(shown)s），无法恢复："
            "请把该列设为文本格式后重新填写"
        ),
        "id_int": gettext_lazy(
            "身份证号存成了数字格式，Excel 只保留 15 位有效数字，末尾几位可能已丢失：请把该列设为文本格式后重新填写"
        ),
        "id_empty": gettext_lazy("身份证号为空"),
        "id_scientific": gettext_lazy(
            "身份证号是科学计数法（%(text)s），Excel 已丢失末尾几位，无法恢复：请把该列设为文本格式后重新填写"
        ),
        "id_first_generation": gettext_lazy("这是 15 位的一代身份证号：请填写 18 位的二代身份证号"),
        "id_length": gettext_lazy("身份证号应为 18 位，这里是 %(n)s 位"),
        "id_shape": gettext_lazy("身份证号前 17 位必须是数字，最后一位是数字或 X"),
        "id_birth_missing": gettext_lazy("身份证号中的出生日期 %(date)s 不存在"),
        "id_birth_unlikely": gettext_lazy("身份证号中的出生日期 %(date)s 不合理"),
        "id_check": gettext_lazy("身份证号校验位错误：最后一位应为 %(expected)s，这里是 %(given)s，请核对是否录错"),
    },
    name="sessions_app.idcard",
)


class InvalidIdNumber(CodedError, ValueError):
    """Why a value is no ID number: a code and params; the words come from MESSAGES when shown.

    Also a ValueError, for the callers that treat it as any bad value.
    """

    words = MESSAGES

    def __init__(self, code: str, /, **params):
        super().__init__(None, code, params)


def normalize_id_number(raw) -> str:
    """Full-width digits and letters to ASCII, spaces removed, x upper-cased."""
    if raw is None:
        return ""
    if raw.__class__ is str and len(raw) == 18 and raw.isascii() and raw.isalnum():
        return raw.upper()  # the common case, already clean: skip NFKC and the regex
    if isinstance(raw, float):
        raise InvalidIdNumber("id_float", shown=f"{raw:.14E}")
    if isinstance(raw, int):
        raise InvalidIdNumber("id_int")
    text = unicodedata.normalize("NFKC", str(raw))
    # Copied from web pages and chat apps, numbers carry zero-width characters that \s does not match.
    text = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", text).upper()
    return text


_SHAPE = re.compile(r"\d{17}[\dX]")


def validate_id_number(raw, *, today: datetime.date | None = None) -> str:
    """Return the normalised 18-character number or raise InvalidIdNumber with a Chinese reason.

    today: the date a birth date must not be after; a roster import passes it once for all its rows
    (date.today() per row was a sixth of the check's time), everything else leaves it to the call.
    """
    text = normalize_id_number(raw)
    if today is None:
        today = datetime.date.today()
    if len(text) == ID_LENGTH and text.isascii() and text[:17].isdigit() and (text[17] == "X" or text[17].isdigit()):
        # The common case: already the right shape, so none of the shape checks below can refuse it.
        return _check_date_and_character(text, today)
    if not text:
        raise InvalidIdNumber("id_empty")
    if _FLOAT_SHAPE.match(text):
        raise InvalidIdNumber("id_scientific", text=text)
    if len(text) == 15 and text.isdigit():
        raise InvalidIdNumber("id_first_generation")
    if len(text) != ID_LENGTH:
        raise InvalidIdNumber("id_length", n=len(text))
    if not _SHAPE.fullmatch(text):
        raise InvalidIdNumber("id_shape")
    return _check_date_and_character(text, today)


def _check_date_and_character(text: str, today: datetime.date) -> str:
    try:
        born = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber("id_birth_missing", date=text[6:14]) from None
    if born.year < 1900 or born > today:
        raise InvalidIdNumber("id_birth_unlikely", date=text[6:14])
    expected = check_character(text[:17])
    if text[17] != expected:
        raise InvalidIdNumber("id_check", expected=expected, given=text[17])
    return text


def check_character(body: str) -> str:
    """The 18th character for a 17-digit body (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if len(body) != len(_WEIGHTS):
        raise ValueError(body)
    # map() keeps this in C: it runs once per student of a 20,000-row roster.
    return _CHECK_CHARACTERS[sum(map(operator.mul, map(int, body), _WEIGHTS)) % 11]


def looks_like_id_number(text: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dXx]", text))


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def id_number_hash(number: str) -> str:
    """The keyed hash kept in place of an erased ID number (privacy.erasure): the same person in
    a later roster hashes alike, and nobody without ID_NUMBER_HASH_KEY can test guesses."""
    key = hmac.new(settings.ID_NUMBER_HASH_KEY.encode(), b"sessions_app.id_number", hashlib.sha256).digest()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


MASK_STARS_MAX = 11


def mask_code(code: str) -> str:
    """What a screen may show of a code that names nobody it may name (a stranger's number, a
    mistype, a short student number): at most the first 3 and the last 4 characters, fewer on a
    short code, whatever its length or shape. static/js/capture_day/desk.js masks the same way."""
    code = re.sub(r"\s+", "", code or "")
    if not code:
        return ""
    keep = len(code) // 4
    head, tail = min(3, keep), min(4, keep)
    hidden = max(1, min(MASK_STARS_MAX, len(code) - head - tail))
    return code[:head] + "*" * hidden + code[len(code) - tail :]


def gender_from_id(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def make_id_number(*, area: str, birth: datetime.date, sequence: int) -> str:
    """A checksummed number for demo data and tests (sequence 0-999; odd = male)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + check_character(body)
