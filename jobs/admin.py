from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Job
from .registry import kinds
from .selectors import kind_title


class KindFilter(admin.SimpleListFilter):
    """The kinds by their titles: the stored code (export, verification.reminders) is not a word."""

    title = _("任务类型")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        # Only kinds that have run: a registered kind no one started is no choice to offer.
        ran = set(Job.objects.values_list("kind", flat=True).distinct())
        return sorted(((name, str(kind.title)) for name, kind in kinds().items() if name in ran), key=lambda i: i[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: a job's row is written by the job itself. Shown by name (which report), not by
    its kind and key (`export`, `verification:2:1`)."""

    list_display = ("number", "name", "owner", "status", "done", "total", "created_at", "finished_at")
    list_display_links = ("number",)
    list_filter = ("status", KindFilter)
    list_select_related = ("owner",)
    exclude = ("kind", "key")
    readonly_fields = ("name",)

    @admin.display(description=_("编号"), ordering="id")
    def number(self, obj: Job) -> int:
        return obj.pk

    @admin.display(description=_("任务"))
    def name(self, obj: Job) -> str:
        return kind_title(obj)

    def action_checkbox(self, obj: Job) -> str:
        # The row checkbox's label (read aloud) is the model's __str__, its kind and key
        # (`export roster:2:1 (queued)`): the job's name and status instead. Django's own words
        # around it, in Django's catalogue.
        label = gettext("%(name)s（%(status)s）") % {"name": kind_title(obj), "status": obj.get_status_display()}
        attrs = {
            "class": "action-select",
            "aria-label": format_html(gettext("Select this object for an action - {}"), label),
        }
        return forms.CheckboxInput(attrs, lambda value: False).render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page's title would be the model's __str__ (kind and key): the job's name instead.
        job = self.get_object(request, object_id)
        if job is not None:
            extra_context = {**(extra_context or {}), "title": kind_title(job), "subtitle": None}
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
