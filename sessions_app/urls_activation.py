from django.urls import path

from . import views_activation

# Mounted at /accounts/activate/ beside accounts.urls: the page reads the roster, so it lives here.
app_name = "activation"
urlpatterns = [
    path("", views_activation.activate, name="activate"),
    path("forgot-password/", views_activation.reset_password, name="reset_password"),
]
