from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache

from core.web import client_address

from .audit import record_event
from .services import clear_login_failures, login_blocked, record_login_failure


class ThrottleMixin:
    """Counts and refuses failed logins; used by our login page and the admin site's."""

    throttled_message = _l("登录失败次数过多，请 15 分钟后再试")

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if login_blocked(username=username, ip_address=address):
            raise ValidationError(self.throttled_message, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            record_login_failure(username=username, ip_address=address)
            raise
        clear_login_failures(username=username)
        return cleaned


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _l("用户名或密码不正确。学生首次使用请先激活账号。"),
        "inactive": _l("该账号已停用"),
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Every role changes its own password here (the header links it); the session stays signed in
    (Django updates its hash) and the change is on the audit trail. Never cached: the form's
    page follows a POST of passwords."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(actor=self.request.user, action="account.password_change", obj=self.request.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
