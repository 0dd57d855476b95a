"""Project-wide middleware.

BusyMiddleware: a row lock that timed out (core.locking) answers "please retry", never a 500.

UnavailableMiddleware: a dependency that blinked (the database restarting, a connection cut) answers
a GET again once on a fresh connection, else a 503 with Retry-After, never a 500.

ChosenLanguageMiddleware: the reader's language is Simplified Chinese unless they chose another
with the header switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language, so a phone set to
English would open the portal in English; here only the remembered choice (the language cookie
that django.views.i18n.set_language writes) changes the language.
"""

import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.errors import Busy
from core.locking import is_lock_timeout
from core.unavailable import RETRY_AFTER_SECONDS, drop_broken_connections, unavailable_code, unavailable_message
from core.web import wants_json

logger = logging.getLogger(__name__)


def permissions_policy(get_response):
    """Permissions-Policy on every response (Django has no setting for it)."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def campus_sign_on_form_action(get_response):
    """With campus single sign-on, CSP's form-action also allows the identity service's origin.

    Logging out of a CAS session is the header's logout form answered by a redirect to the
    identity service's /logout, and Chromium checks form-action on a form's redirects too: with
    'self' alone the logout stopped there, still logged in at the identity service.
    """

    def middleware(request):
        response = get_response(request)
        if settings.CAS_SERVER_URL:
            parts = urlsplit(settings.CAS_SERVER_URL)
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), f"{parts.scheme}://{parts.netloc}"]
            response._csp_update = update
        return response

    return middleware


def files_not_stored(get_response):
    """Every download (exports, sign-in sheets, retake photos) holds personal data: no browser,
    proxy or shared campus machine may keep a copy. One rule for every export, present and future."""

    def middleware(request):
        response = get_response(request)
        if response.has_header("Content-Disposition"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in vals) for key, vals in values.lists())


class RefuseNulMiddleware:
    """A NUL character anywhere in the path, the query or a form answers 400 before any view runs.

    PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so a NUL that reaches
    a query is a 500, and no real input has one. Django's form fields refuse it already, but a
    search box read straight from request.GET does not; one check here covers every present and
    future view. A csrf_exempt view (the payment callback, the uploads that change their upload
    handlers before the body is read) is left to check its own body: reading it here would undo
    their size limits. Every other POST has its form read by the CSRF check anyway.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        bad = "\x00" in request.path or _has_nul(request.GET)
        if not bad and request.method == "POST" and not getattr(view_func, "csrf_exempt", False):
            bad = request.content_type in self.FORM_TYPES and _has_nul(request.POST)
        if not bad:
            return None
        message = _("提交的内容含有无效字符（NUL），请删除后重试")
        if wants_json(request):
            return JsonResponse({"ok": False, "code": "bad_characters", "error": message}, status=400)
        return render(request, "400.html", {"exception": message}, status=400)


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        translation.deactivate()
        return response


class BusyMiddleware:
    """Turns a lock timeout from any view into the person's "please retry".

    One handler for every page: a script (the desk) gets JSON with the outcome "busy" and the
    message; a form sent from a page goes back to that page with the message; a page that could
    not be read says so itself (going back to it would only wait again). The transaction was
    rolled back by the time the exception gets here, so nothing was written.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_timeout(exception):
            return None
        message = exception.message if isinstance(exception, Busy) else Busy().message
        if wants_json(request):
            return JsonResponse({"ok": False, "outcome": "busy", "code": Busy.CODE, "message": message}, status=409)
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = "/"
        if request.method == "POST":
            messages.error(request, message)
            return HttpResponseRedirect(back)
        return render(request, "busy.html", {"message": message, "back": back}, status=503)


def unavailable_response(request, code: str) -> HttpResponse:
    """503 + Retry-After: JSON {"outcome": "unavailable", "code": ...} for a script (the desk queues
    it like an offline swipe), else a page that needs no database (no context processors, no user)."""
    message = unavailable_message()
    response: HttpResponse
    if wants_json(request):
        body = {"ok": False, "outcome": "unavailable", "code": code, "message": message}
        response = JsonResponse({**body, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        html = render_to_string(
            "unavailable.html",
            {"message": message, "retry_after": RETRY_AFTER_SECONDS, "lang": translation.get_language() or "zh-hans"},
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    response.unavailable_code = code  # type: ignore[attr-defined]  # read by UnavailableMiddleware
    return response


class UnavailableMiddleware:
    """The outermost middleware: no 500 when the database (or the broker) blinks.

    A view's exception (process_exception) or one raised anywhere else in the chain (handler500,
    photocapture.views.server_error) becomes a 503 marked with its code. A GET or HEAD answered so
    is asked once more through the whole chain on a fresh connection: it changes nothing, so
    doing it twice is safe. Anything else keeps the 503 (its transaction was rolled back, or its
    fate is unknown): the client retries after Retry-After, with the same nonce for a swipe.
    """

    RETRIED_METHODS = frozenset({"GET", "HEAD"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        code = getattr(response, "unavailable_code", None)
        if code and request.method in self.RETRIED_METHODS:
            logger.warning("%s %s: %s, asked again on a fresh connection", request.method, request.path, code)
            drop_broken_connections()
            response = self.get_response(request)
        return response

    def process_exception(self, request, exception):
        code = unavailable_code(exception)
        if code is None:
            return None
        logger.warning("%s %s answered 503 (%s): %r", request.method, request.path, code, exception)
        drop_broken_connections()
        return unavailable_response(request, code)


def unavailable_or_none(request) -> HttpResponse | None:
    """For handler500: the 503 when the exception being handled is a dependency's blink."""
    code = unavailable_code(sys.exc_info()[1])
    if code is None:
        return None
    drop_broken_connections()
    return unavailable_response(request, code)
