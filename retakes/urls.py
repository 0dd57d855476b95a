from django.urls import path

from . import views

app_name = "retakes"
urlpatterns = [
    path("", views.index, name="index"),
]
