from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.notice, name="notice"),
    path("me/data.json", views.my_data, name="my_data"),
    path("students/<int:student_id>/erase/", views.erase_student, name="erase_student"),
]
