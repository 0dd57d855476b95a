"""A URLconf that puts the fee pages elsewhere (tests/core/test_links.py)."""

from django.http import HttpResponse
from django.urls import include, path

fees = ([path("", lambda request: HttpResponse(), name="index")], "fees")
urlpatterns = [path("elsewhere/fees/", include(fees))]
