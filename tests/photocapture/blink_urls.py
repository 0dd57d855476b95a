"""A URLconf for the dependency-blink tests: views that fail as a restarting database does."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import include, path
from redis.exceptions import ConnectionError as RedisConnectionError

# How many calls fail before one succeeds; how many were made.
STATE = {"fail": 0, "calls": 0, "error": "db"}


def _maybe_fail():
    STATE["calls"] += 1
    if STATE["calls"] <= STATE["fail"]:
        if STATE["error"] == "redis":
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        if STATE["error"] == "bug":
            raise ValueError("a bug is no blink")
        raise OperationalError("server closed the connection unexpectedly")


def blink(request):
    _maybe_fail()
    return HttpResponse("ok")


def blinking_middleware(get_response):
    """Fails before the view, as a middleware reading the session would."""

    def middleware(request):
        if request.path == "/blink-early/":
            _maybe_fail()
            return HttpResponse("early ok")
        return get_response(request)

    return middleware


urlpatterns = [path("blink/", blink), path("", include("photocapture.urls"))]
handler404 = "photocapture.views.not_found"
handler500 = "photocapture.views.server_error"
