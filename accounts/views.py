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


class LogoutView(auth_views.LogoutView):
    """Logout that also empties the browser of this site's caches and storage.

    A capture desk runs on a shared PC: its pages sit in the service worker's cache and its
    offline roster digest and swipe queue in IndexedDB. `Clear-Site-Data` makes the browser drop
    them (and unregister the service worker) with the session, so the next person at that PC
    finds nothing. Cookies are left alone: the session cookie is already ended, and the language
    choice is not personal. desk.js sends its queued swipes (or warns) before it lets a logout go.
    """

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
