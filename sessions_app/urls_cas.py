from django.urls import path

from . import views_cas

# Mounted at /accounts/cas/ beside accounts.urls: matching a campus identity reads the roster.
# The page answers 404 while CAS_SERVER_URL is unset.
app_name = "cas"
urlpatterns = [
    path("login/", views_cas.CampusLoginView.as_view(), name="login"),
]
