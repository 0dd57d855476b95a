"""人民币大写: the amount in words a 上交单 or receipt carries so that nobody can alter its digits.

The rules are those of 《支付结算办法》附件 (正确填写票据和结算凭证的基本规定): 整 after 元 when
there are no 角 and 分; a single 零 for any run of zeros inside the number, including a whole
empty 万 group (1,000,017 is 壹佰万零壹拾柒元); 零 before 分 when the 角 is zero (10.05 is
壹拾元零伍分); and no leading 零 for amounts under one yuan (0.05 is 伍分).
"""

from decimal import ROUND_HALF_UP, Decimal

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group_words(group: int) -> str:
    """0 < group < 10000, with zeros inside collapsed and trailing zeros dropped."""
    words = ""
    pending_zero = False
    for place in range(3, -1, -1):
        digit = group // 10**place % 10
        if digit == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words += "零"
            pending_zero = False
        words += _DIGITS[digit] + _PLACES[place]
    return words


def _yuan_words(yuan: int) -> str:
    groups: list[int] = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    if len(groups) > len(_GROUPS):
        raise ValueError("amount too large")
    words = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(words)
            continue
        if words and (need_zero or group < 1000):
            words += "零"
        need_zero = False
        words += _group_words(group) + _GROUPS[index]
    return words


def capital_amount(amount: Decimal) -> str:
    """`Decimal("1000017.50")` → "壹佰万零壹拾柒元伍角"."""
    cents = int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if cents < 0:
        return "负" + capital_amount(Decimal(-cents) / 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    words = _yuan_words(yuan) + "元" if yuan else ""
    if rest == 0:
        return words + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words
