"""The API's one error: a code for the program, a message for the person, an HTTP status."""

from core.errors import CodedError


class ApiError(CodedError):
    def __init__(self, message: object, code: str, *, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message, code)
        self.status = status
        self.retry_after = retry_after
