from django.urls import path

from . import views

app_name = "sessions_app"
urlpatterns = [
    path("staff/", views.staff_overview, name="staff_overview"),
    path("college/", views.college_overview, name="college_overview"),
    path("counselor/", views.counselor_students, name="counselor_students"),
    path("desk/", views.desk_index, name="desk_index"),
]
