from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _l

from core.web import client_address

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
