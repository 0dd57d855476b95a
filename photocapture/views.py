import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404
from django.views import defaults

from sessions_app.selectors import student_home_profile
from sessions_app.views import student_home

from .middleware import unavailable_or_none


@login_required
def home(request):
    """Send each role to its main page."""
    user = request.user
    if user.is_academic_staff:
        return redirect("sessions_app:staff_overview")
    if user.is_coordinator:
        return redirect("sessions_app:college_overview")
    if user.is_operator:
        return redirect("capture_day:desk_index")
    if user.is_counselor:
        return redirect("sessions_app:counselor_students")
    return student_home(request, student_home_profile(user))


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # any failure means "down" to the load balancer
        return False, type(exc).__name__


def _broker_ok() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return True, "eager"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        return True, "redis"
    except Exception as exc:
        return False, type(exc).__name__


def healthz(request):
    """200 when the database and the broker answer, 503 otherwise. What is down, and why, is
    shown to staff only: anonymous callers (load balancers, anyone) learn up or down."""
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    body = {"status": "ok" if healthy else "unavailable"}
    user = getattr(request, "user", None)
    if db_ok and user is not None and user.is_authenticated and user.is_academic_staff:
        body["database"] = {"ok": db_ok, "detail": db_detail}
        body["broker"] = {"ok": broker_ok, "detail": broker_detail}
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


# Django's own 404s say "No Slot matches the given query." (get_object_or_404) or carry the
# resolver's dict: words for developers, in English. Only a message our code wrote is shown.
_DJANGO_NOT_FOUND = re.compile(r"^No .+ matches the given query\.$")


def not_found(request, exception=None):
    message = exception.args[0] if exception is not None and exception.args else ""
    if isinstance(exception, Resolver404) or not isinstance(message, str) or _DJANGO_NOT_FOUND.match(message):
        message = ""
    return render(request, "404.html", {"exception": message}, status=404)


def server_error(request):
    """handler500: a database or broker blink raised outside a view (a middleware reading the
    session or the user) is a 503 like a view's (photocapture.middleware); anything else is a 500."""
    return unavailable_or_none(request) or defaults.server_error(request)
