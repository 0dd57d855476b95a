"""The automatic check of an electronic photo against the standard (DOMAIN.md "The electronic photo").

Pure functions over bytes: no database, no request. `check_photo(data)` returns a PhotoReport.
"""

from .checker import check_photo, check_photo_file
from .report import CODES, Finding, PhotoReport

__all__ = ["CODES", "Finding", "PhotoReport", "check_photo", "check_photo_file"]
