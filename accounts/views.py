from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_cas_ng.models import SESSION_KEY_MAXLENGTH, ProxyGrantingTicket, SessionTicket
from django_cas_ng.utils import get_cas_client

from core.web import client_address

from .audit import record_event
from .services import clear_login_failures, login_blocked, record_login_failure


class ThrottleMixin:
    """Counts and refuses failed logins; used by our login page and the admin site's."""

    throttled_message = gettext_lazy("登录失败次数过多，请 15 分钟后再试")

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
        "invalid_login": gettext_lazy("用户名或密码不正确。学生首次使用请先激活账号。"),
        "inactive": gettext_lazy("该账号已停用"),
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Campus single sign-on beside the form (sessions_app.views_cas), when it is configured.
        if settings.CAS_SERVER_URL:
            next_page = context.get("next") or ""
            query = "?" + urlencode({"next": next_page}) if next_page else ""
            context["cas_login_url"] = reverse("cas:login") + query
        return context


class LogoutView(auth_views.LogoutView):
    """Logs out here; a session that came from the campus identity service is logged out there too.

    Otherwise the identity service's own session would log the person straight back in, on a
    shared computer in a library as the next person.

    Either way the answer also empties the browser of this site's caches and storage: a capture
    desk runs on a shared PC, its pages sit in the service worker's cache and its offline roster
    digest and swipe queue in IndexedDB. `Clear-Site-Data` makes the browser drop them (and
    unregister the service worker) with the session. Cookies are left alone: the session cookie
    is already ended, and the language choice is not personal. desk.js sends its queued swipes
    (or warns) before it lets a logout go.
    """

    def post(self, request, *args, **kwargs):
        response = self._log_out(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response

    def _log_out(self, request, *args, **kwargs):
        session_key = (request.session.session_key or "")[:SESSION_KEY_MAXLENGTH]
        from_cas = bool(settings.CAS_SERVER_URL and session_key) and (
            SessionTicket.objects.filter(session_key=session_key).exists()
        )
        if not from_cas:
            return super().post(request, *args, **kwargs)
        SessionTicket.objects.filter(session_key=session_key).delete()
        ProxyGrantingTicket.objects.filter(session_key=session_key).delete()
        super().post(request, *args, **kwargs)
        back = request.build_absolute_uri(reverse("accounts:login"))
        return HttpResponseRedirect(get_cas_client(request=request).get_logout_url(back))


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
