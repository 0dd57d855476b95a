from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .errors import ApiError
from .models import ApiToken
from .services import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only here: a token is made on the staff page (/api/tokens/), which shows its key once."""

    list_display = ("name", "prefix", "scopes", "rate_per_minute", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    readonly_fields = [f.name for f in ApiToken._meta.fields] + ["campaigns"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                revoke_token(actor=request.user, token=token)
            except ApiError as exc:
                self.message_user(request, exc.message, messages.ERROR)
