from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .services import (
    ActivationError,
    activate_student_account,
    clear_login_failures,
    login_blocked,
    record_login_failure,
)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _l("用户名或密码不正确。学生首次使用请先激活账号。"),
        "inactive": _l("该账号已停用"),
        "throttled": _l("登录失败次数过多，请 15 分钟后再试"),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if login_blocked(username=username, ip_address=address):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            record_login_failure(username=username, ip_address=address)
            raise
        clear_login_failures(username=username)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class ActivationForm(forms.Form):
    student_no = forms.CharField(label=_l("学号"), max_length=32)
    name = forms.CharField(label=_l("姓名"), max_length=64)
    id_number = forms.CharField(label=_l("身份证号"), max_length=24)
    password1 = forms.CharField(label=_l("设置密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_l("再次输入密码"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            raise ValidationError(_("两次输入的密码不一致"))
        return cleaned


def activate(request):
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        key = "activate:" + form.cleaned_data["student_no"]
        if login_blocked(username=key, ip_address=address):
            form.add_error(None, _("尝试次数过多，请 15 分钟后再试"))
        else:
            try:
                user = activate_student_account(
                    student_no=form.cleaned_data["student_no"],
                    name=form.cleaned_data["name"],
                    id_number=form.cleaned_data["id_number"],
                    password=form.cleaned_data["password1"],
                )
            except ActivationError as exc:
                record_login_failure(username=key, ip_address=address)
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error("password1", exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("账号已激活，欢迎使用"))
                return redirect("home")
    return render(request, "accounts/activate.html", {"form": form})
