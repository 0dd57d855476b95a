"""The base of the errors a rule raises (FeeError, RetakeError, ...): a message and a code.

The message is for the person (already translated); `code` is for the program. Callers that
need to tell errors apart branch on `code`, never on the words (pretix's CheckInError(msg, code)).
`params` (plain JSON values) are what the message was made from, for a caller that keeps the error
and puts it into words again later (the payment platform's callback log).
"""


class CodedError(Exception):
    def __init__(self, message, code: str, params: dict | None = None):
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
