"""The roster's use of the shared intake: its limits and its vocabulary."""

from django.conf import settings

from intake import IntakeError, Limits, Table, open_table
from intake.guards import human_size  # noqa: F401  (re-exported for the roster's form and view)
from intake.table import Source  # noqa: F401

from .columns import VOCABULARY

# The name callers catch; every file-level refusal of the intake carries a code and its params.
RosterFileError = IntakeError


def limits() -> Limits:
    return Limits(max_bytes=settings.ROSTER_UPLOAD_MAX_BYTES)


def open_roster(source, *, filename: str = "") -> Table:
    return open_table(source, vocabulary=VOCABULARY, filename=filename, limits=limits())
