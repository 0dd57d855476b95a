"""Project-wide middleware.

ChosenLanguageMiddleware: the reader's language is Simplified Chinese unless they chose another
with the header switch.

Django's LocaleMiddleware would also follow the browser's Accept-Language, so a phone set to
English would open the portal in English; here only the remembered choice (the language cookie
that django.views.i18n.set_language writes) changes the language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control


def permissions_policy(get_response):
    """Permissions-Policy on every response (Django has no setting for it)."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
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
