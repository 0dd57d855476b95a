"""Keep national ID numbers out of logs, mail printed to the console and stored login failures.

No app knowledge here: a pattern for GB 11643 numbers (18 characters, the last a digit or X, and
the 15-digit numbers of first-generation cards), the masked form the portal shows everywhere
(`210202********1234`), and a logging filter that applies it to every record.
"""

import hashlib
import hmac
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.conf import settings

# Digits not glued to other digits, so a longer number (a bank reference) is left alone.
ID_NUMBER = re.compile(
    r"(?<![0-9])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])|(?<![0-9])([0-9]{6})([0-9]{5})([0-9]{4})(?![0-9])"
)


# The permission to see whole ID numbers (sessions_app's Student model declares it). Named here, at
# the bottom, so that a lower layer (a job's download) can ask for it without knowing the roster.
FULL_ID_PERMISSION = "sessions_app.view_full_id_number"


def _mask(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)}{'*' * 8}{match.group(3)}"
    return f"{match.group(4)}{'*' * 5}{match.group(6)}"


def redact(text: str) -> str:
    """The text with every ID number masked; full-width digits are read as the digits they are."""
    if not text:
        return text
    folded = unicodedata.normalize("NFKC", text)
    if folded != text and ID_NUMBER.search(folded):
        text = folded
    return ID_NUMBER.sub(_mask, text)


def normalize_identifier(value: str | None) -> str:
    """What a person typed into a login or activation form, as the one account it names."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).lower()


def identifier_hash(value: str) -> str:
    """A keyed hash of a normalised identifier: countable, not readable, not guessable offline."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"login-identifier:" + value.encode(), hashlib.sha256).hexdigest()


def masked_identifier(value: str) -> str:
    """A hint for staff reading the failures: enough to recognise an account, not to reuse a secret."""
    if ID_NUMBER.fullmatch(value):
        return redact(value)
    if len(value) <= 4:
        return "*" * len(value)
    keep = 2 if len(value) < 10 else 3
    return f"{value[:keep]}{'*' * (len(value) - 2 * keep)}{value[-keep:]}"


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken record is still logged, as logging itself would
        return
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)


class _RedactingRecordFactory:
    """The process's record factory, wrapped: every record it makes is masked."""

    redacts_id_numbers = True  # the mark that makes install_log_redaction idempotent

    def __init__(self, factory: Callable[..., logging.LogRecord]) -> None:
        self._factory = factory

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._factory(*args, **kwargs)
        _redact_record(record)
        return record


def install_log_redaction() -> None:
    """Every log record of the process (Django's request and server logs, Celery, gunicorn's access
    log) is masked when it is made, whichever handler later writes it. Idempotent."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts_id_numbers", False):
        return
    logging.setLogRecordFactory(_RedactingRecordFactory(factory))


class RedactIdNumbers(logging.Filter):
    """Masks ID numbers in a record's message and arguments before any handler formats it."""

    """For a handler configured outside this process's record factory (e.g. in LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True
