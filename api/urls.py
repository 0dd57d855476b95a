from django.urls import path, re_path

from . import views, views_tokens

urlpatterns = [
    path("v1/", views.api.urls),
    re_path(r"^v1/(?P<rest>.*)$", views.unknown),
    path("tokens/", views_tokens.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="api_token_revoke"),
]
