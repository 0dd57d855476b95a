"""The project's WSGI app plus the trivial view and the swipe's floor, for bench/checkin.py's gunicorn."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages_wsgi  # noqa: E402  (first: sets Django up; holds the trivial view)
from checkin_floor import floor_swipe  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402

urlpatterns = [
    path("bench/ping/", pages_wsgi.ping, name="bench_ping"),
    path("bench/floor/<int:slot_id>/swipe/", floor_swipe, name="bench_floor"),
    path("", include("photocapture.urls")),
]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
