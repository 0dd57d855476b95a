# Roster import pages (staff).
from django.urls import path

from . import views_roster

app_name = "roster"
urlpatterns = [
    path("import/", views_roster.upload, name="upload"),
    path("import/confirm/", views_roster.confirm, name="confirm"),
    path("import/cancel/", views_roster.cancel, name="cancel"),
]
