"""Problems as data: a code and parameters, with the message built from them for display."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


class IntakeError(Exception):
    """The file as a whole cannot be read; `message` is for the user, `code` for programs."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located the way the clerk finds it in Excel: row number and header as written."""

    row: int | None
    column: str | None
    code: str
    message: str

    @property
    def reason(self) -> str:  # the older name the roster templates use
        return self.message

    def sort_key(self) -> tuple:
        # Stable: within a row, problems stay in the order of the file's columns.
        return (self.row is not None, self.row or 0)

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("第 %(row)s 行，%(column)s 列：%(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.message,
            }
        if self.row is not None:
            return _("第 %(row)s 行：%(reason)s") % {"row": self.row, "reason": self.message}
        return self.message


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the intake did that the clerk should know (sheet chosen, footer skipped...)."""

    code: str
    message: str
    rows: tuple[int, ...] = field(default=())

    def __str__(self) -> str:
        return self.message


def sorted_errors(errors) -> list[RowError]:
    """File-level problems first, then by row: sorted on data, never on the message text."""
    return sorted(errors, key=RowError.sort_key)
