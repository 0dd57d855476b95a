# Roster import pages (staff).
from django.urls import path

from . import views_roster

app_name = "roster"
urlpatterns = [
    path("import/", views_roster.upload, name="upload"),
    path("import/confirm/", views_roster.confirm, name="confirm"),
    path("import/confirm/<int:job_id>/", views_roster.confirm_job, name="confirm_job"),
    path("import/cancel/", views_roster.cancel, name="cancel"),
    path("import/template.xlsx", views_roster.template, name="template"),
    path("import/errors/<str:token>.xlsx", views_roster.errors, name="errors"),
    path("counselors/", views_roster.counselors, name="counselors"),
]
