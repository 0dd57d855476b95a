"""The one money parser: what each way of writing an amount means, and what is refused."""

from decimal import Decimal

import pytest

from fees.money import AmountError, parse_amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17", "17.00"),
        ("17.5", "17.50"),
        ("０．５", "0.50"),
        ("¥17", "17.00"),
        ("￥1,234.50", "1234.50"),
        ("1,234", "1234.00"),
        ("12,345.6", "12345.60"),
        ("17元", "17.00"),
        (" 17 ", "17.00"),
        (17, "17.00"),
        (17.0, "17.00"),
        (0.1, "0.10"),
        (Decimal("8.5"), "8.50"),
    ],
)
def test_amounts_read_as_written(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0,5", "amount_separator"),
        ("0，5", "amount_separator"),
        ("17,50", "amount_separator"),
        ("1,23,456", "amount_separator"),
        ("1,2345", "amount_separator"),
        (",5", "amount_separator"),
        ("1.234,50", "amount_separator"),
        ("十七", "amount_invalid"),
        ("1e3", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("17.5.0", "amount_invalid"),
        ("", "amount_empty"),
        (None, "amount_empty"),
        (True, "amount_empty"),
        ("-5", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("100000", "amount_too_large"),
        ("1.005", "amount_precision"),
    ],
)
def test_ambiguous_or_wrong_amounts_are_refused_with_a_code(raw, code):
    with pytest.raises(AmountError) as caught:
        parse_amount(raw)
    assert caught.value.code == code
    assert caught.value.message


def test_a_comma_message_says_how_to_write_it():
    with pytest.raises(AmountError) as caught:
        parse_amount("0,5")
    assert "0.50" in caught.value.message and "1,234.50" in caught.value.message


def test_zero_allowed_where_asked():
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")


@pytest.mark.django_db
def test_a_decimal_comma_posts_nothing():
    """Through the ledger service every form and import uses: "0,5" posts nothing instead of ¥5.00."""
    from fees.models import Entry, Method
    from fees.services import FeeError, post_payment
    from tests import factories

    student = factories.make_student(factories.make_campaign())
    with pytest.raises(FeeError) as caught:
        post_payment(
            student=student, amount="0,5", method=Method.CASH, actor=factories.make_user(), idempotency_key="k1"
        )
    assert caught.value.code == "amount_separator"
    assert not Entry.objects.exists()
