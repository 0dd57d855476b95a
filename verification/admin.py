from django.contrib import admin

from .models import ProblemReport, ReportStep, VerificationRecord


@admin.register(VerificationRecord)
class VerificationRecordAdmin(admin.ModelAdmin):
    list_display = (
        "student",
        "captured_on",
        "due_date",
        "is_active",
        "confirmed_at",
        "confirmation_source",
        "chsi_status",
    )
    list_filter = ("campaign", "is_active", "confirmation_source")
    search_fields = ("student__student_no", "student__name")
    list_select_related = ("student",)
    # Changed only through services (confirmation, CHSI import, capture_day.services.check_in).
    readonly_fields = [f.name for f in VerificationRecord._meta.fields]

    def has_add_permission(self, request):
        return False


class ReportStepInline(admin.TabularInline):
    model = ReportStep
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "student", "problem_type", "status")
    list_filter = ("campaign", "problem_type", "status")
    search_fields = ("student__student_no", "student__name")
    list_select_related = ("student",)
    readonly_fields = [f.name for f in ProblemReport._meta.fields]
    inlines = [ReportStepInline]

    def has_add_permission(self, request):
        return False
