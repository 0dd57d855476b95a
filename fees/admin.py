"""Read-only windows on the ledger for 教务处: changes go through the fee pages (services), never
through the admin, because the ledger is append-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CallbackLog, Entry, FeeAccount, FeeNotice, Remittance, RemittanceConfirmation, ServiceCount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("posted_at", "account", "college", "kind", "amount", "method", "posted_by", "note_text")
    list_filter = ("kind", "method", "college", "account__campaign")
    search_fields = ("account__student__student_no", "account__student__name", "idempotency_key", "note")
    list_select_related = ("account__student", "college", "posted_by")
    raw_id_fields = ("account", "reverses", "follows")
    date_hierarchy = "posted_at"

    @admin.display(description=_("备注"))
    def note_text(self, entry):
        return entry.note_display


@admin.register(FeeAccount)
class FeeAccountAdmin(ReadOnlyAdmin):
    list_display = ("student", "campaign", "charged", "paid", "waived", "balance")
    list_filter = ("campaign",)
    search_fields = ("student__student_no", "student__name")
    list_select_related = ("student", "campaign")


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "campaign", "college", "amount", "entry_count", "submitted_by", "cancelled_at")
    list_filter = ("campaign", "college")
    list_select_related = ("campaign", "college", "submitted_by")


@admin.register(RemittanceConfirmation)
class RemittanceConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("confirmed_at", "remittance", "received_amount", "confirmed_by", "note")
    list_select_related = ("remittance__college", "confirmed_by")


@admin.register(CallbackLog)
class CallbackLogAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "status", "http_status", "transaction_id", "error", "remote_addr")
    list_filter = ("status", "http_status")
    search_fields = ("transaction_id", "raw_body", "error_code")
    readonly_fields = (
        "received_at",
        "remote_addr",
        "raw_body",
        "signature",
        "status",
        "http_status",
        "error",
        "error_code",
        "error_data",
        "transaction_id",
        "entry",
    )


@admin.register(ServiceCount)
class ServiceCountAdmin(ReadOnlyAdmin):
    """Recorded from the reconciliation page (remittances.record_service_count, audited)."""

    list_display = ("recorded_at", "campaign", "college", "count", "recorded_by", "note")
    list_filter = ("campaign", "college")
    list_select_related = ("campaign", "college", "recorded_by")


@admin.register(FeeNotice)
class FeeNoticeAdmin(admin.ModelAdmin):
    list_display = ("campaign", "collected_for")
    list_select_related = ("campaign",)
