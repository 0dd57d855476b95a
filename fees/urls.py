from django.urls import path

from . import views

app_name = "fees"
urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/", views.ledger, name="ledger"),
    path("entry/", views.entry, name="entry"),
    path("lookup/", views.lookup, name="lookup"),
    path("mark-paid/", views.mark_paid, name="mark_paid"),
    path("students/<int:pk>/", views.student_ledger, name="student"),
    path("students/<int:pk>/refund/", views.refund, name="refund"),
    path("students/<int:pk>/waiver/", views.waiver, name="waiver"),
    path("entries/<int:pk>/reverse/", views.reverse_entry, name="reverse"),
    path("import/", views.import_view, name="import"),
    path("remittances/", views.remittances, name="remittances"),
    path("remittances/<int:pk>/", views.remittance_detail, name="remittance"),
    path("remittances/<int:pk>/confirm/", views.confirm_remittance, name="confirm_remittance"),
    path("remittances/<int:pk>/cancel/", views.cancel_remittance, name="cancel_remittance"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("export/", views.export, name="export"),
    path("callback/", views.callback, name="callback"),
]
