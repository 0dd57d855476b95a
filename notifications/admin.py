from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .messages import kind_choices, kind_label, step_label
from .models import Delivery, Notification


class KindFilter(admin.SimpleListFilter):
    """The kinds by their names, not their codes."""

    title = _("类型")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


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
    list_display = ("created_at", "kind_display", "step_display", "title", "user", "student", "read_at")
    list_filter = (KindFilter,)
    search_fields = ("code", "student__student_no", "student__name", "user__username")
    raw_id_fields = ("user", "student")
    # The words, rendered in the reader's language, above the code and data they come from.
    # The message code and kind/step codes are shown by their names; `data` is the raw payload.
    readonly_fields = [
        "title",
        "body",
        "kind_display",
        "step_display",
        *(f.name for f in Notification._meta.fields if f.name not in {"kind", "step", "code"}),
    ]
    fields = readonly_fields
    inlines = [DeliveryInline]
    list_select_related = ("user", "student")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("类型"), ordering="kind")
    def kind_display(self, obj):
        return kind_label(obj.kind)

    @admin.display(description=_("步骤"), ordering="step")
    def step_display(self, obj):
        return step_label(obj.step)


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
