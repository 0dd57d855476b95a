"""The project's WSGI app plus one trivial view, for bench/pages.py's gunicorn (not for production)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photocapture.settings")
os.environ.setdefault("DJANGO_DEMO", "true")  # figures of the code, not of production settings

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


@login_required
def ping(request):
    """The floor: sessions, auth and every middleware, and nothing else."""
    return JsonResponse({"ok": True})


def _admin_pages_of_fifty() -> None:
    """The peer (the admin's student changelist) shows 50 rows, as the coordinator's page does."""
    from django.contrib import admin

    from sessions_app.models import Student

    admin.site._registry[Student].list_per_page = 50


_admin_pages_of_fifty()
urlpatterns = [path("bench/ping/", ping), path("", include("photocapture.urls"))]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
