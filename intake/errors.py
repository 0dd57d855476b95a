"""Problems as data: a code and parameters, with the message built from them for display."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import CodedError
from core.words import Words, unknown

from . import refusals


class Messages(Words):
    """An importer's words (core.words.Words), with the row errors and notices made from them.

    `base` holds codes shared with other importers (the intake's own, an ID number's). Errors
    and notices keep (code, params) and this object; their `message` is built in the language
    of the moment.
    """

    def error(self, row: int | None, column: str | None, code: str, /, **params) -> "RowError":
        return RowError(row, column, code, params, self)

    def notice(self, code: str, /, *, rows: tuple[int, ...] = (), **params) -> "Notice":
        return Notice(code, params, rows, self)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located the way the clerk finds it in Excel: row number and header as written."""

    row: int | None
    column: str | None
    code: str
    params: dict = field(default_factory=dict, hash=False)
    words: Words | None = field(default=None, compare=False, repr=False)

    @property
    def message(self) -> str:
        return self.words.text(self.code, self.params) if self.words is not None else unknown(self.code)

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
    params: dict = field(default_factory=dict, hash=False)
    rows: tuple[int, ...] = field(default=())
    words: Words | None = field(default=None, compare=False, repr=False)

    @property
    def message(self) -> str:
        return self.words.text(self.code, self.params) if self.words is not None else unknown(self.code)

    def as_error(self) -> RowError:
        """The notice among an import's warnings (a file-level row error with the same words)."""
        return RowError(None, None, self.code, self.params, self.words)

    def __str__(self) -> str:
        return self.message


def sorted_errors(errors) -> list[RowError]:
    """File-level problems first, then by row: sorted on data, never on the message text."""
    return sorted(errors, key=RowError.sort_key)


# The intake's whole-file refusals; every importer's Messages inherits them (intake.messages).
REFUSALS = Messages(refusals.WORDS, name="intake.refusals", examples=refusals.EXAMPLES)


class IntakeError(CodedError):
    """The file as a whole cannot be read: a code for programs and the params of its words.

    `message` is built from (code, params) when asked (intake.refusals), in the language of
    that moment: a background job stores code and params and its page renders them for the reader.
    """

    words = REFUSALS

    def __init__(self, code: str, /, **params):
        super().__init__(None, code, params)
