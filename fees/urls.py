from django.urls import path, register_converter

from . import views, views_remittance


class RowId:
    """A primary key that fits a bigint: a longer number in the URL is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(RowId, "row_id")

app_name = "fees"
urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/", views.ledger, name="ledger"),
    path("entry/", views.entry, name="entry"),
    path("lookup/", views.lookup, name="lookup"),
    path("entry/cash-box/", views.cash_box_print, name="cash_box"),
    path("mark-paid/", views.mark_paid, name="mark_paid"),
    path("students/<row_id:pk>/", views.student_ledger, name="student"),
    path("students/<row_id:pk>/refund/", views.refund, name="refund"),
    path("students/<row_id:pk>/waiver/", views.waiver, name="waiver"),
    path("entries/<row_id:pk>/reverse/", views.reverse_entry, name="reverse"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/confirm/<int:job_id>/", views.import_confirm_job, name="import_confirm_job"),
    path("remittances/", views_remittance.remittance_list, name="remittances"),
    path("remittances/<row_id:pk>/", views_remittance.remittance_detail, name="remittance"),
    path("remittances/<row_id:pk>/print/", views_remittance.remittance_print, name="remittance_print"),
    path("remittances/<row_id:pk>/confirm/", views_remittance.confirm_remittance, name="confirm_remittance"),
    path("remittances/<row_id:pk>/cancel/", views_remittance.cancel_remittance, name="cancel_remittance"),
    path(
        "remittances/<row_id:pk>/reverse-confirmation/",
        views_remittance.reverse_confirmation,
        name="reverse_confirmation",
    ),
    path("reconciliation/", views_remittance.reconciliation, name="reconciliation"),
    path("reconciliation/service-count/", views_remittance.record_service_count, name="service_count"),
    path("export/", views_remittance.export, name="export"),
    path("callback/", views.callback, name="callback"),
]
