from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("confirm/", views.confirm, name="confirm"),
    path("confirm/withdraw/", views.withdraw, name="withdraw_confirmation"),
    path("report/", views.report, name="report_problem"),
    path("my-reports/<int:pk>/close/", views.close_report, name="close_report"),
    path("overdue/", views.overdue, name="overdue"),
    path("unconfirmed/", views.unconfirmed, name="unconfirmed"),
    path("unconfirmed/remind/", views.remind_unconfirmed, name="remind_unconfirmed"),
    path("reports/", views.reports, name="reports"),
    path("reports/forward/", views.forward_batch, name="forward_batch"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/forward/", views.forward, name="forward"),
    path("reports/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("export/", views.export, name="export"),
    path("reminders/send/", views.send_reminders, name="send_reminders"),
    path("import/", views.import_status, name="import"),
    path("import/confirm/<int:job_id>/", views.import_confirm_job, name="import_confirm_job"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
