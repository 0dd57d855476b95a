# Roster import pages (staff).
from django.urls import path

from . import views_roster

app_name = "roster"
urlpatterns = [
    path("import/", views_roster.upload, name="upload"),
    path("import/confirm/<int:job_id>/", views_roster.confirm_job, name="confirm_job"),
    path("import/template.xlsx", views_roster.template, name="template"),
    path("counselors/", views_roster.counselors, name="counselors"),
]
