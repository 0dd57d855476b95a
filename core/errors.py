"""The one error class a rule raises (FeeError, RetakeError, IntakeError, ...): a code and params.

`code` is for the program: callers that need to tell errors apart branch on it, never on the
words (pretix's CheckInError(msg, code)). `params` (plain JSON values) are what the words are made
from: each class declares its `words` registry (core.words), is raised as `Error.of(code,
**params)` (or its own shorter signature) and its `message` is built from (code, params) when
asked, in the language of that moment, so a caller can store (code, params) — a background job,
the payment platform's callback log — and put it into words again later for another reader.
There is no way to hand it a sentence made beforehand: that sentence would be in the language of
the moment it was raised, and lost once only the code is stored.
"""

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django.utils.translation import gettext_lazy

from .words import Words, unknown


class CodedError(Exception):
    words: ClassVar[Words | None] = None

    # The first argument is always None: the place a ready-made message once went, kept so that
    # the subclasses calling `super().__init__(None, code, params)` need not all change at once.
    def __init__(self, message: None = None, code: str = "", params: Mapping[str, Any] | None = None) -> None:
        if not code or not code.replace("_", "").isalnum() or not code.islower():
            raise ValueError(f"error code must be a lowercase identifier: {code!r}")
        if message is not None:
            raise TypeError(f"{type(self).__name__} is worded by its registry: raise it with .of(code, **params)")
        super().__init__(code)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})

    @classmethod
    def of(cls, code: str, /, **params: Any) -> Self:
        """The error by its code and params, worded by the class's registry."""
        return cls(None, code, params)

    @property
    def message(self) -> str:
        if self.words is not None:
            return self.words.text(self.code, self.params)
        return unknown(self.code, type(self).__name__)

    def stored(self) -> dict[str, Any]:
        """What a job or a log keeps of the error: the words are made again when it is shown."""
        return {"code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        return self.message


CORE_ERRORS = Words(
    {"lock_timeout": gettext_lazy("其他人正在处理同一条记录，请稍后重试")},
    name="core.errors",
)


class Busy(CodedError):
    """A row this action needs stayed locked by someone else for longer than LOCK_TIMEOUT_MS.

    Nothing was written (the transaction is rolled back whole): the person may simply try again.
    """

    CODE = "lock_timeout"
    words = CORE_ERRORS

    def __init__(self) -> None:
        super().__init__(None, self.CODE)
