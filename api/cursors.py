"""Opaque cursors: a signed position, so a consumer can only hand back what it was given.

The signature is not what keeps data in scope (every query is limited by the token anyway); it
turns a mangled or hand-made cursor into a clear 400 instead of a page that starts somewhere odd.
The campaign is inside, so a cursor cannot be carried over to another campaign's list.
"""

from typing import Any

from django.core import signing

from .errors import ApiError

SALT = "api.cursor.v1"


def encode(kind: str, campaign_id: int, position: list[Any]) -> str:
    return signing.dumps({"k": kind, "c": campaign_id, "p": position}, salt=SALT, compress=False)


def decode(cursor: str | None, *, kind: str, campaign_id: int) -> list[Any] | None:
    """The position inside the cursor, None for no cursor (the first page), or ApiError 400."""
    if not cursor:
        return None
    try:
        value = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        value = None
    if not isinstance(value, dict) or value.get("k") != kind or value.get("c") != campaign_id:
        raise ApiError.of("bad_cursor")
    position = value.get("p")
    if not isinstance(position, list):
        raise ApiError.of("bad_cursor")
    return position
