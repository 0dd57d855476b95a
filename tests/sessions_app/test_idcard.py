import datetime

import pytest

from sessions_app.idcard import (
    InvalidIdNumber,
    check_character,
    gender_from_id,
    looks_like_id_number,
    make_id_number,
    mask_code,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def iso7064_check(body: str) -> str:
    """MOD 11-2 as GB 11643 states it, written out independently of the code under test."""
    return CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def reason(raw) -> str:
    with pytest.raises(InvalidIdNumber) as exc:
        validate_id_number(raw)
    return str(exc.value)


def test_examples_from_the_standard():
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    # The standard's other example: born 1880, so only its check character is checked here.
    assert check_character("44052418800101001") == "4"


def test_check_character_matches_the_written_out_rule():
    for body in ("21020219990101123", "65010220011231999", "00000000000000000", "99999999999999999"):
        assert check_character(body) == iso7064_check(body)


def test_make_id_number_agrees_with_the_standard():
    for n in range(200):
        number = make_id_number(area="210202", birth=datetime.date(1999, 1, 1) + datetime.timedelta(days=n), sequence=n)
        assert number[17] == iso7064_check(number[:17])
        assert validate_id_number(number) == number


def test_lowercase_x_is_the_same_as_x():
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised():
    assert validate_id_number("１１０１０５ １９４９１２３１ ００２ｘ") == "11010519491231002X"
    assert validate_id_number(" 110105\u300019491231002X\t") == "11010519491231002X"
    assert validate_id_number("\ufeff110105\u200b19491231002X") == "11010519491231002X"


def test_wrong_check_character_says_which_it_should_be():
    assert reason("110105194912310021") == "身份证号校验位错误：最后一位应为 X，这里是 1，请核对是否录错"


def test_wrong_length():
    assert reason("1101051949123100") == "身份证号应为 18 位，这里是 16 位"
    assert reason("1101051949123100211") == "身份证号应为 18 位，这里是 19 位"


def test_fifteen_digit_first_generation_number_is_named():
    assert "15 位的一代身份证号" in reason("110105491231002")


def test_impossible_birth_date():
    body = "21020219990230123"  # 30 February
    assert reason(body + iso7064_check(body)) == "身份证号中的出生日期 19990230 不存在"


def test_birth_date_in_the_future_or_before_1900():
    future = f"210202{datetime.date.today().year + 1}0101123"
    assert "不合理" in reason(future + iso7064_check(future))
    old = "21020218890101123"
    assert "不合理" in reason(old + iso7064_check(old))


def test_letters_inside_the_number():
    assert reason("11010519491231A02X") == "身份证号前 17 位必须是数字，最后一位是数字或 X"


def test_empty():
    assert reason("") == "身份证号为空"
    assert reason(None) == "身份证号为空"


def test_number_stored_in_a_numeric_cell_is_rejected_with_an_explanation():
    message = reason(2.10202199901011e17)
    assert "数字格式" in message
    assert "2.10202199901011E+17" in message
    assert "文本格式" in message
    assert "文本格式" in reason(210202199901011234)


def test_scientific_notation_typed_as_text_is_rejected():
    message = reason("2.10202199901011E+17")
    assert "科学计数法" in message and "文本格式" in message


def test_normalize_only_cleans():
    assert normalize_id_number(" 1101 0519 4912 3100 2x ") == "11010519491231002X"
    assert normalize_id_number(None) == ""


def test_mask_shows_only_area_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("11010519491231002X", "110***********002X"),  # a stranger's valid number: not its area code
        ("1101051949123100", "110*********3100"),  # a 16-digit mistype
        ("110105 19491231 002X", "110***********002X"),  # typed with spaces
        ("2017001234", "20******34"),  # a short student number
        ("12345", "1***5"),
        ("12", "**"),
        ("A" * 200, "AAA" + "*" * 11 + "AAAA"),  # a scanner's long garbage stays one short line
    ],
)
def test_a_code_that_names_nobody_keeps_at_most_three_first_and_four_last(typed, shown):
    assert mask_code(typed) == shown


def test_gender_from_the_sequence_digit():
    assert gender_from_id("11010519491231002X") == "女"  # sequence 002: even
    assert gender_from_id("440524188001010014") == "男"  # sequence 001: odd


def test_looks_like_id_number():
    assert looks_like_id_number("11010519491231002x")
    assert not looks_like_id_number("2017012345")


def test_the_day_a_birth_date_must_not_pass_can_be_given_once_for_a_whole_file():
    body = "21020220200301123"
    number = body + iso7064_check(body)
    assert validate_id_number(number, today=datetime.date(2020, 3, 1)) == number
    with pytest.raises(InvalidIdNumber) as exc:
        validate_id_number(number, today=datetime.date(2020, 2, 29))
    assert str(exc.value) == "身份证号中的出生日期 20200301 不合理"
