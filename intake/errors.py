"""Problems as data: a code and parameters, with the message built from them for display."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import refusals


class IntakeError(Exception):
    """The file as a whole cannot be read: a code for programs and the params of its words.

    `message` is built from (code, params) when asked (intake.refusals), in the language of
    that moment: a background job stores code and params and its page renders them for the reader.
    """

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return REFUSALS.text(self.code, self.params)

    def __str__(self) -> str:
        return self.message


class Messages:
    """The words of an importer's codes, in one place: code -> template, rendered when shown.

    A template is a lazy translation formatted with the error's params, or a callable
    params -> str for plurals and sentences put together from parts. `base` holds codes
    shared with other importers (the intake's own, an ID number's). Errors and notices keep
    (code, params) and this object; their `message` is built in the language of the moment.
    """

    def __init__(self, templates: Mapping[str, object], *, base: "Messages | tuple[Messages, ...]" = ()):
        self.templates = dict(templates)
        for other in base if isinstance(base, tuple) else (base,):
            for code, template in other.templates.items():
                self.templates.setdefault(code, template)

    def render(self, code: str, params: Mapping | None = None) -> str | None:
        """The words for (code, params); None for a code this importer does not know."""
        template = self.templates.get(code)
        if template is None:
            return None
        params = dict(params or {})
        try:
            return template(params) if callable(template) else str(template) % params
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # params of an older shape: the caller falls back

    def text(self, code: str, params: Mapping | None = None) -> str:
        """The words, else the code itself."""
        return self.render(code, params) or code

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
    words: Messages | Callable | None = field(default=None, compare=False, repr=False)

    @property
    def message(self) -> str:
        return self.words.text(self.code, self.params) if self.words is not None else self.code

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
    words: Messages | None = field(default=None, compare=False, repr=False)

    @property
    def message(self) -> str:
        return self.words.text(self.code, self.params) if self.words is not None else self.code

    def as_error(self) -> RowError:
        """The notice among an import's warnings (a file-level row error with the same words)."""
        return RowError(None, None, self.code, self.params, self.words)

    def __str__(self) -> str:
        return self.message


def sorted_errors(errors) -> list[RowError]:
    """File-level problems first, then by row: sorted on data, never on the message text."""
    return sorted(errors, key=RowError.sort_key)


# The intake's whole-file refusals; every importer's Messages inherits them (intake.messages).
REFUSALS = Messages(refusals.WORDS)
