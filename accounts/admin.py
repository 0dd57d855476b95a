from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .audit import action_choices, describe
from .models import AuditEvent, LoginFailure, User
from .views import ThrottledAdminAuthenticationForm


def _academic_staff_only(request) -> bool:
    user = request.user
    return user.is_active and user.is_authenticated and user.is_staff and user.is_academic_staff


# The admin site is 教务处's tool; a coordinator who somehow got is_staff still cannot enter.
admin.site.has_permission = _academic_staff_only
# Same failed-login throttle as /accounts/login/ (guessing 教务处's password is the prize).
admin.site.login_form = ThrottledAdminAuthenticationForm


_PERMISSION_ACTIONS = {"add": _("可增加"), "change": _("可修改"), "delete": _("可删除"), "view": _("可查看")}


def permission_label(permission) -> str:
    """Django stores a permission's name in English ("Can add student"): name it from its
    codename and the model's verbose name instead, in the reader's language."""
    action = _PERMISSION_ACTIONS.get(permission.codename.split("_", 1)[0])
    if action is None:
        return str(permission)
    model = permission.content_type.model_class()
    name = model._meta.verbose_name if model is not None else permission.content_type.model
    return gettext("%(app)s | %(action)s%(model)s") % {
        "app": model._meta.app_config.verbose_name if model is not None else permission.content_type.app_label,
        "action": action,
        "model": name,
    }


class PermissionLabels:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
            # django-cas-ng's ticket tables are plumbing of the campus login, never granted to anyone.
            field.queryset = field.queryset.exclude(content_type__app_label="django_cas_ng").select_related(
                "content_type"
            )
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabels, BaseGroupAdmin):
    pass


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django writes part of this field's help in English without a translation (5.2)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = _(
                "用户能否用密码登录。关闭后，仍可通过其他方式（如统一身份认证）登录；此用户当前的密码将失效。"
            )


@admin.register(User)
class UserAdmin(PermissionLabels, BaseUserAdmin):
    change_password_form = PasswordChangeForm
    list_display = ("username", "display_name", "role", "phone", "is_active")
    list_filter = ("role", "is_active", "colleges")
    search_fields = ("username", "display_name", "phone")
    filter_horizontal = ("colleges", "capture_groups", "groups", "user_permissions")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": ("role", "display_name", "phone", "colleges", "capture_groups")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("角色与范围"), {"fields": ("role", "display_name", "phone", "colleges", "capture_groups")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionFilter(admin.SimpleListFilter):
    """The registered actions by their names, not their codes."""

    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action_name", "campaign", "summary_text")
    list_filter = (ActionFilter, "campaign")
    search_fields = ("object_id", "actor__username", "actor__display_name")
    list_select_related = ("actor", "campaign")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "actor",
        "action_name",
        "campaign",
        "content_type",
        "object_id",
        "summary_text",
        "data",
    )
    fields = readonly_fields

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One query per kind of name on the page (students, slots, colleges), not one per row.
        describe(changelist.result_list)
        return changelist

    @admin.display(description=_("操作"), ordering="action")
    def action_name(self, event):
        return event.action_label

    @admin.display(description=_("摘要"))
    def summary_text(self, event):
        return event.summary


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "shown", "ip_address")
    search_fields = ("ip_address",)
