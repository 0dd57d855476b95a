from django.urls import path

from . import views

app_name = "sessions_app"
urlpatterns = [
    path("staff/", views.staff_overview, name="staff_overview"),
    path("college/", views.college_overview, name="college_overview"),
    path("college/counts/", views.college_counts, name="college_counts"),
    path("counselor/", views.counselor_students, name="counselor_students"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("students/<int:student_id>/slot/", views.student_override, name="student_override"),
    path("export/<slug:name>/", views.export, name="export"),
]
