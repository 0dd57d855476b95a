from operator import attrgetter

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin

from .models import (
    Audience,
    Campus,
    Capture,
    CaptureGroup,
    CollectionCodeClash,
    College,
    Location,
    Shot,
    Slot,
    Student,
)
from .services import FULL_ID_PERMISSION, override_student_slot, record_full_id_shown, refresh_slot_assignments


class ReassignAfterSaveMixin:
    """Schedule edits change who belongs where: re-derive every student's slot after each save.

    `campaign_path` names the attribute chain from the edited object to its campaign.
    """

    campaign_path = "campaign"

    def _campaign_of(self, obj):
        return attrgetter(self.campaign_path)(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        summary = refresh_slot_assignments(campaign=self._campaign_of(form.instance))
        if summary.unmatched or summary.ambiguous:
            self.message_user(
                request,
                _("时段已重新匹配：%(u)d 人无匹配时段，%(a)d 人匹配多个时段，请在采集总览中查看")
                % {"u": summary.unmatched, "a": summary.ambiguous},
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        campaign = self._campaign_of(obj)
        super().delete_model(request, obj)
        refresh_slot_assignments(campaign=campaign)


@admin.register(College)
class CollegeAdmin(admin.ModelAdmin):
    list_display = ("name", "aliases", "sort_order")
    search_fields = ("name", "aliases")


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    list_display = ("name", "aliases")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "campus")
    list_select_related = ("campus",)


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    show_change_link = True


@admin.register(CaptureGroup)
class CaptureGroupAdmin(ReassignAfterSaveMixin, admin.ModelAdmin):
    list_display = ("name", "campaign", "location", "photographer_units", "sort_order")
    list_filter = ("campaign",)
    list_select_related = ("campaign", "location__campus")
    inlines = [SlotInline]


class AudienceFormSet(BaseInlineFormSet):
    """Two new rows naming one audience would pass each row's check and fail in the database."""

    def clean(self):
        super().clean()
        # Rows saved meanwhile (another staff member, a stale page) count too: the inline's own
        # validation skips the constraint, because the slot is not one of its fields.
        in_forms = {form.instance.pk for form in self.forms if form.instance.pk}
        seen = set()
        if self.instance.pk:
            seen = {
                (college_id, campus_id, level or "")
                for pk, college_id, campus_id, level in Audience.objects.filter(slot=self.instance).values_list(
                    "pk", "college_id", "campus_id", "level"
                )
                if pk not in in_forms
            }
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            college, campus = data.get("college"), data.get("campus")
            key = (getattr(college, "pk", None), getattr(campus, "pk", None), data.get("level") or "")
            if key in seen:
                raise ValidationError(
                    gettext("这个拍摄对象已在该时段中，不能重复添加（或同一对象填了两次），请删去重复的一行"),
                    code="duplicate",
                )
            seen.add(key)


class AudienceInline(admin.TabularInline):
    model = Audience
    formset = AudienceFormSet
    extra = 1


@admin.register(Slot)
class SlotAdmin(ReassignAfterSaveMixin, admin.ModelAdmin):
    list_display = ("group", "date", "start_time", "end_time", "audience_names")
    list_filter = ("group__campaign", "group")
    list_select_related = ("group__campaign",)
    inlines = [AudienceInline]
    campaign_path = "group.campaign"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("audiences__college", "audiences__campus")

    @admin.display(description=_("拍摄对象"))
    def audience_names(self, obj):
        return " + ".join(a.display_name() for a in obj.audiences.all())


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = (
        "student_no",
        "name",
        "masked_id_display",
        "college",
        "class_name",
        "level",
        "campus",
        "assigned_slot",
        "slot_status",
    )
    list_filter = ("campaign", "slot_status", "level", "college", "campus")
    ordering = ("college__sort_order", "class_name", "student_no")
    search_fields = ("student_no", "name", "class_name")
    list_select_related = ("college", "campus", "assigned_slot__group")
    raw_id_fields = ("counselor", "user")
    readonly_fields = ("derived_slot", "assigned_slot", "slot_status", "created_at", "updated_at")
    list_per_page = 100

    @admin.display(description=_("身份证号"))
    def masked_id_display(self, obj):
        return obj.masked_id

    def _shows_full_id(self, request) -> bool:
        return request.user.has_perm(FULL_ID_PERMISSION)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self._shows_full_id(request):
            # Typing a new student's number is not seeing one; an existing one stays masked.
            fields = ["masked_id_display" if f == "id_number" else f for f in fields if f != "masked_id_display"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self._shows_full_id(request):
            readonly.append("masked_id_display")
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and self._shows_full_id(request):
            student = response.context_data["original"]
            record_full_id_shown(actor=request.user, campaign=student.campaign, where="admin:student", rows=1)
        return response

    def save_model(self, request, obj, form, change):
        override_changed = change and "slot_override" in form.changed_data
        new_override = obj.slot_override
        if override_changed:
            # The override goes through the service so it is audited and the slot re-derived.
            obj.slot_override_id = form.initial.get("slot_override")
        super().save_model(request, obj, form, change)
        if override_changed:
            override_student_slot(student=obj, slot=new_override, actor=request.user, reason=gettext("管理后台修改"))
        elif not change:
            refresh_slot_assignments(campaign=obj.campaign)


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdmin):
    list_display = ("student", "slot", "captured_at", "captured_by", "wrong_slot", "undone_at", "undo_reason")
    list_filter = ("campaign", "wrong_slot", "slot__group")
    search_fields = ("student__student_no", "student__name")
    list_select_related = ("student", "slot__group", "captured_by")
    date_hierarchy = "captured_at"


@admin.register(CollectionCodeClash)
class CollectionCodeClashAdmin(ReadOnlyAdmin):
    """Students who tried to bind a 采集码 another student holds: one of the two scanned the wrong
    code (a classmate's, a shared screenshot); staff call both."""

    list_display = ("created_at", "student", "holder", "campaign")
    list_filter = ("campaign",)
    search_fields = ("student__student_no", "student__name", "holder__student_no", "holder__name")
    list_select_related = ("student", "holder", "campaign")


@admin.register(Shot)
class ShotAdmin(ReadOnlyAdmin):
    """Read-only: numbers are taken at the desk and voided through the operator's list (audited)."""

    list_display = ("number", "group", "day", "capture", "assigned_at", "void_code", "void_reason")
    list_filter = ("group__campaign", "group", "day", "void_code")
    search_fields = ("capture__student__student_no", "capture__student__name")
    list_select_related = ("group", "capture__student")
