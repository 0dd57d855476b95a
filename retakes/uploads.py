"""Upload size limits enforced before the body is read.

The view is csrf_exempt so that CsrfViewMiddleware does not parse the multipart body
(which would read it all) before the view has looked at Content-Length; the CSRF check
then runs inside the view through csrf_protect, as Django's docs describe for views that
change their upload handlers.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .photo_check.config import load_config

# Room for the CSRF token, the note and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_limit() -> int:
    return load_config().upload_max_bytes


def declared_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > upload_limit() + FORM_OVERHEAD_BYTES


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading as soon as the file passes the limit, whatever Content-Length claimed."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit()
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def install_limit(request) -> LimitedUploadHandler:
    handler = LimitedUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler
