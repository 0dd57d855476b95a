"""The base of the errors a rule raises (FeeError, RetakeError, ...): a message and a code.

The message is for the person (already translated); `code` is for the program. Callers that
need to tell errors apart branch on `code`, never on the words (pretix's CheckInError(msg, code)).
`params` (plain JSON values) are what the message was made from, for a caller that keeps the error
and puts it into words again later (the payment platform's callback log).
"""

from django.utils.translation import gettext


class CodedError(Exception):
    def __init__(self, message: object, code: str, params: dict[str, object] | None = None) -> None:
        if not code or not code.replace("_", "").isalnum() or not code.islower():
            raise ValueError(f"error code must be a lowercase identifier: {code!r}")
        super().__init__(message)
        self.code = code
        self.params = params or {}

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class Busy(CodedError):
    """A row this action needs stayed locked by someone else for longer than LOCK_TIMEOUT_MS.

    Nothing was written (the transaction is rolled back whole): the person may simply try again.
    """

    CODE = "lock_timeout"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or gettext("其他人正在处理同一条记录，请稍后重试"), self.CODE)
