"""Issue 11, item 4: ID numbers masked in logs and in mail printed to the console."""

import io
import logging

from django.core.mail import EmailMultiAlternatives

from core.mail import RedactingConsoleBackend
from core.redact import masked_identifier, normalize_identifier, redact

ID = "210202199901011234"
ID_X = "11010519491231002X"


def test_redact_masks_every_shape_of_id_number():
    text = f"q={ID}&b={ID_X.lower()} ２１０２０２１９９９０１０１１２３４ old 210202990101123"
    masked = redact(text)
    assert ID not in masked and ID_X.lower() not in masked and "２１０２０２１９９９" not in masked
    assert "210202********1234" in masked and "110105********002x" in masked and "210202*****1123" in masked


def test_redact_leaves_other_numbers_alone():
    text = "学号 2017000123 手机 13812345678 金额 1234.50 流水 12345678901234567890"
    assert redact(text) == text


def test_every_log_record_is_masked_whatever_handler_writes_it():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("swipe %s at desk", ID)
        logger.warning(f"GET /fees/lookup/?q={ID_X}")
        try:
            raise ValueError(f"bad id {ID}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert ID not in written and ID_X not in written
    assert written.count("210202********1234") == 2


def test_console_mail_is_masked():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject=f"问题反馈 {ID}",
        body=f"学生反馈：我的身份证号 {ID} 信息有误",
        to=["coord@example.edu.cn"],
    )
    message.attach_alternative(f"<p>{ID}</p>", "text/html")
    RedactingConsoleBackend(stream=stream).send_messages([message])
    assert ID not in stream.getvalue()
    assert "210202********1234" in stream.getvalue()
    # The message handed to the backend is not changed (an SMTP backend would send it whole).
    assert ID in message.body


def test_identifiers_are_normalised_and_masked():
    assert normalize_identifier(" JWC ") == normalize_identifier("ｊｗｃ") == "jwc"
    assert normalize_identifier("2017 000123") == "2017000123"
    assert masked_identifier(ID) == "210202********1234"
    assert masked_identifier("2017000123") == "201****123"
