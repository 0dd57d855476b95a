"""View plumbing every import page shares: the error workbook download and the template download."""

from urllib.parse import quote

from django.http import Http404, HttpResponse

from . import staging
from .workbooks import error_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SESSION_KEY = "intake_error_tokens"
_KEPT = 10


def workbook_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def stage_errors(request, table, errors, *, kind: str) -> str | None:
    """Stage the bad rows as an .xlsx for this session to download; None when there is no table."""
    if table is None or not errors:
        return None
    token = staging.store(kind, error_workbook(table, errors), suffix=".xlsx")
    tokens = [t for t in request.session.get(_SESSION_KEY, []) if isinstance(t, str)][-(_KEPT - 1) :]
    request.session[_SESSION_KEY] = [*tokens, f"{kind}:{token}"]
    return token


def staged_errors_response(request, token: str, *, kind: str, filename: str) -> HttpResponse:
    # Only the session that uploaded the file may fetch its rows: they can hold ID numbers.
    if f"{kind}:{token}" not in request.session.get(_SESSION_KEY, []):
        raise Http404
    path = staging.path_for(kind, token, suffix=".xlsx")
    if path is None:
        raise Http404
    return workbook_response(path.read_bytes(), filename)
