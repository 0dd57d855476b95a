from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy

from . import admin_order, views, views_exports

admin.site.site_header = gettext_lazy("毕业生图像采集管理")
admin.site.site_title = gettext_lazy("图像采集")
admin.site.index_title = gettext_lazy("教务处管理")
admin_order.install()
handler404 = "photocapture.views.not_found"
handler500 = "photocapture.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language switch
    path("admin/", admin.site.urls),
    path("accounts/cas/", include("sessions_app.urls_cas")),
    path("accounts/", include("accounts.urls")),
    path("accounts/activate/", include("sessions_app.urls_activation")),
    path("capture/", include("sessions_app.urls")),
    path("capture/", include("capture_day.urls")),
    path("roster/", include("sessions_app.urls_roster")),
    path("fees/", include("fees.urls")),
    path("verification/", include("verification.urls")),
    path("notifications/", include("notifications.urls")),
    path("retakes/", include("retakes.urls")),
    path("jobs/", include("jobs.urls")),
    path("privacy/", include("privacy.urls")),
    path("exports/<slug:name>/", views_exports.export, name="export"),
    path("api/", include("api.urls")),
]
