"""Log filters shared by every process."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 403 or 404 is the portal working as meant (a coordinator trying another college's URL),
    not a fault: Django logs it with the exception's traceback, which buried real errors. The
    line itself (path, status) stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
