"""The API's one error: a code for the program, words for the person (refusals.py), an HTTP status."""

from collections.abc import Mapping
from typing import Any

from core.errors import CodedError

from .refusals import WORDS

# Each code's HTTP status; a code not listed is the consumer's request to fix (400).
STATUS: dict[str, int] = {
    "staff_only": 403,
    "already_revoked": 409,
    "missing_token": 401,
    "invalid_token": 401,
    "token_revoked": 401,
    "throttled": 429,
    "campaign_not_found": 404,
    "college_not_found": 404,
}


class ApiError(CodedError):
    """Raised as `ApiError.of(code, **params)`: the status follows from the code, and a throttled
    request's Retry-After from its `seconds`."""

    words = WORDS

    def __init__(self, message: None = None, code: str = "", params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, code, params)
        self.status = STATUS.get(code, 400)
        self.retry_after: int | None = self.params.get("seconds") if code == "throttled" else None
