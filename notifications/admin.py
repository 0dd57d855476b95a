from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .messages import kind_choices, kind_label, step_label
from .models import ChannelPreference, Delivery, DeliveryStatus, Notification, SmsTemplate


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
    fields = ("channel", "address", "status", "attempts", "error_code", "last_error", "provider_message_id", "sent_at")
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


def _resolve(modeladmin, request, queryset, *, delivered: bool) -> None:
    done = 0
    for delivery_id in queryset.filter(status=DeliveryStatus.UNKNOWN).values_list("pk", flat=True):
        try:
            services.resolve_unknown_delivery(actor=request.user, delivery_id=delivery_id, delivered=delivered)
            done += 1
        except services.DeliveryResolutionError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            return
    modeladmin.message_user(request, ngettext("已处理 %(n)s 条", "已处理 %(n)s 条", done) % {"n": done})


@admin.action(description=_("结果未知：已送达，标为已发送"))
def mark_delivered(modeladmin, request, queryset):
    _resolve(modeladmin, request, queryset, delivered=True)


@admin.action(description=_("结果未知：未送达，重新发送"))
def resend_undelivered(modeladmin, request, queryset):
    _resolve(modeladmin, request, queryset, delivered=False)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "address",
        "status",
        "attempts",
        "error_code",
        "provider",
        "provider_message_id",
        "claimed_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "error_code", "provider")
    search_fields = ("address", "provider_message_id")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = [mark_delivered, resend_undelivered]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "provider", "template_code", "params", "active")
    list_filter = ("provider", "active")
    search_fields = ("code", "template_code")


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "sms", "wecom", "wecom_userid", "robot_key")
    search_fields = ("user__username", "user__display_name", "wecom_userid")
    raw_id_fields = ("user",)
