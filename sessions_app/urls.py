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
    path("captures/<int:capture_id>/undo/", views.capture_undo, name="capture_undo"),
    path("desk/", views.desk_index, name="desk_index"),
    path("desk/<int:slot_id>/", views.desk, name="desk"),
    path("desk/<int:slot_id>/swipe/", views.desk_swipe, name="desk_swipe"),
    path("desk/<int:slot_id>/counts/", views.desk_counts, name="desk_counts"),
    path("slots/<int:slot_id>/signin/", views.signin_sheet, name="signin_sheet"),
    path("export/<slug:name>/", views.export, name="export"),
]
