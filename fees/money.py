"""The one money parser: every form, import and the payment callback read amounts here.

A comma is a thousands separator only where it is one (`1,234.50`). Anything else with a
comma is refused, not guessed: `0,5` is half a yuan in much of Europe and a typo for `0.5`
here, and reading it as `05` posted ¥5.00 where ¥0.50 was meant.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from core.errors import CodedError

from .models import CENT
from .refusals import AMOUNT

MAX_AMOUNT = Decimal("99999.99")


# Digits in groups of three after the first group, optionally with decimals: 1,234 / 12,345.50.
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$|^\.\d+$")
_CURRENCY = ("¥", "元", "RMB", "CNY")
_MAX_TEXT = 32


class AmountError(CodedError, ValueError):
    """An amount that cannot be read as CNY: a code and params, worded by WORDS when shown."""

    words = AMOUNT

    def __init__(self, code: str, /, **params):
        super().__init__(None, code, params)


def _text(value) -> str:
    # NFKC folds full-width digits, "，" and "．" and "￥" into their ASCII forms.
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(text.split())
    for mark in _CURRENCY:
        text = text.removeprefix(mark).removesuffix(mark)
    return text


def _decimal_text(text: str) -> str:
    if _PLAIN.match(text):
        return text
    if _GROUPED.match(text):
        return text.replace(",", "")
    if "," in text:
        raise AmountError("amount_separator", value=text)
    raise AmountError("amount_invalid", value=text)


def parse_amount(value, *, allow_zero: bool = False) -> Decimal:
    """A CNY amount from a form, a spreadsheet cell or JSON: non-negative, at most 2 decimals."""
    if value is None or isinstance(value, bool):
        raise AmountError("amount_empty")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int | Decimal):
        value = str(value)
    text = _text(value)
    if not text:
        raise AmountError("amount_empty")
    if len(text) > _MAX_TEXT:
        raise AmountError("amount_invalid")
    if text.startswith("-"):
        raise AmountError("amount_not_positive")
    text = text.removeprefix("+")
    try:
        amount = Decimal(_decimal_text(text))
    except InvalidOperation:
        raise AmountError("amount_invalid", value=text) from None
    if amount == 0 and not allow_zero:
        raise AmountError("amount_not_positive")
    if amount > MAX_AMOUNT:
        raise AmountError("amount_too_large", max=str(MAX_AMOUNT))
    if amount != amount.quantize(CENT):
        raise AmountError("amount_precision")
    return amount.quantize(CENT)
