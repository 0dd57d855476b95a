from django.conf import settings
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
