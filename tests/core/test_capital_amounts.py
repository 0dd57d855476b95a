from decimal import Decimal

import pytest

from core.capital_amounts import capital_amount


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("10.00", "壹拾元整"),
        ("10.05", "壹拾元零伍分"),
        ("17.00", "壹拾柒元整"),
        ("101.00", "壹佰零壹元整"),
        ("1010.10", "壹仟零壹拾元壹角"),
        ("3179.00", "叁仟壹佰柒拾玖元整"),
        ("100000.05", "壹拾万元零伍分"),
        ("1000017.50", "壹佰万零壹拾柒元伍角"),
        ("10001000.00", "壹仟万壹仟元整"),
        ("10000100.00", "壹仟万零壹佰元整"),
        ("100000000.00", "壹亿元整"),
        ("105000000.01", "壹亿零伍佰万元零壹分"),
        ("-17.00", "负壹拾柒元整"),
    ],
)
def test_capital_amount_follows_the_payment_settlement_rules(amount, words):
    assert capital_amount(Decimal(amount)) == words
