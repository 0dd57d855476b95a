"""Resident ID numbers (GB 11643-1999): normalising, validating, masking.

The check character comes from python-stdnum (ISO 7064 MOD 11-2); the rest is
here so that each failure gets its own message a registrar can act on.
"""

import datetime
import re
import unicodedata

from stdnum.cn import ric

ID_LENGTH = 18
_FLOAT_SHAPE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class InvalidIdNumber(ValueError):
    pass


def normalize_id_number(raw) -> str:
    """Full-width digits and letters to ASCII, spaces removed, x upper-cased."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        raise InvalidIdNumber(
            "身份证号存成了数字格式，Excel 已把后几位变成 0 或科学计数法"
            f"（{raw:.14E}），无法恢复：请把该列设为文本格式后重新填写"
        )
    if isinstance(raw, int):
        raise InvalidIdNumber(
            "身份证号存成了数字格式，Excel 只保留 15 位有效数字，末尾几位可能已丢失：请把该列设为文本格式后重新填写"
        )
    text = unicodedata.normalize("NFKC", str(raw))
    text = re.sub(r"\s+", "", text).upper()
    return text


def validate_id_number(raw) -> str:
    """Return the normalised 18-character number or raise InvalidIdNumber with a Chinese reason."""
    text = normalize_id_number(raw)
    if not text:
        raise InvalidIdNumber("身份证号为空")
    if _FLOAT_SHAPE.match(text):
        raise InvalidIdNumber(
            f"身份证号是科学计数法（{text}），Excel 已丢失末尾几位，无法恢复：请把该列设为文本格式后重新填写"
        )
    if len(text) != ID_LENGTH:
        raise InvalidIdNumber(f"身份证号应为 18 位，这里是 {len(text)} 位")
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise InvalidIdNumber("身份证号前 17 位必须是数字，最后一位是数字或 X")
    try:
        born = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期 {text[6:14]} 不存在") from None
    if born.year < 1900 or born > datetime.date.today():
        raise InvalidIdNumber(f"身份证号中的出生日期 {text[6:14]} 不合理")
    expected = ric.calc_check_digit(text[:17])
    if text[17] != expected:
        raise InvalidIdNumber(f"身份证号校验位错误：最后一位应为 {expected}，这里是 {text[17]}，请核对是否录错")
    return text


def looks_like_id_number(text: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dXx]", text))


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def gender_from_id(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def make_id_number(*, area: str, birth: datetime.date, sequence: int) -> str:
    """A checksummed number for demo data and tests (sequence 0-999; odd = male)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body)
