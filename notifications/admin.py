from django.contrib import admin

from .models import Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "address", "status", "attempts", "error_code", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "step", "title", "user", "student", "read_at")
    list_filter = ("kind", "step")
    search_fields = ("code", "student__student_no", "student__name", "user__username")
    raw_id_fields = ("user", "student")
    # The words, rendered in the reader's language, above the code and data they come from.
    readonly_fields = ["title", "body", *(f.name for f in Notification._meta.fields)]
    inlines = [DeliveryInline]
    list_select_related = ("user", "student")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "address", "status", "attempts", "error_code", "last_error", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("address",)
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
