"""Kept so that `from accounts.errors import CodedError` goes on working: the class lives in core."""

from core.errors import CodedError

__all__ = ["CodedError"]
