"""Read-mostly admin: staff look things up here; decisions go through the retake pages (services)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from .models import RetakeEvent, RetakePhoto, RetakeRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = RetakeEvent
    fields = ("created_at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RetakeRequest)
class RetakeRequestAdmin(ReadOnlyAdmin):
    list_display = ("student", "college", "campaign", "reason", "channel", "status", "planned_date", "created_at")
    list_filter = ("campaign", "status", "channel", "reason")
    search_fields = ("student__student_no", "student__name")
    list_select_related = ("student__college", "campaign")
    inlines = [EventInline]
    readonly_fields = ("page_link",)

    @admin.display(description=gettext_lazy("学院"))
    def college(self, obj):
        return obj.student.college.name

    @admin.display(description=gettext_lazy("办理页面"))
    def page_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("retakes:detail", kwargs={"pk": obj.pk}), gettext("审核与办理")
        )


@admin.register(RetakePhoto)
class RetakePhotoAdmin(ReadOnlyAdmin):
    list_display = ("request", "uploaded_at", "check_status", "review", "size", "width", "height")
    list_filter = ("check_status", "review")
    list_select_related = ("request__student",)
    search_fields = ("request__student__student_no", "sha256")
    exclude = ("file",)
    readonly_fields = ("view_link",)

    @admin.display(description=gettext_lazy("照片"))
    def view_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("retakes:photo", kwargs={"pk": obj.pk}), gettext("查看"))


@admin.register(RetakeEvent)
class RetakeEventAdmin(ReadOnlyAdmin):
    list_display = ("request", "created_at", "actor", "from_status", "to_status", "note")
    list_select_related = ("request__student", "actor")
