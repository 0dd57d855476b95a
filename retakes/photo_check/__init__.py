"""The automatic check of an electronic photo against the standard (DOMAIN.md "The electronic photo").

Pure functions over bytes: no database, no request. `check_photo(data, backgrounds=...)` returns a
PhotoReport whose findings are codes and figures; their words are built when shown (messages.py).
"""

from .checker import check_photo, check_photo_file
from .report import CODES, Finding, PhotoReport, findings_from_stored

__all__ = ["CODES", "Finding", "PhotoReport", "check_photo", "check_photo_file", "findings_from_stored"]
