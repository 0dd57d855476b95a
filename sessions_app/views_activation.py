"""The student's self-activation page (/accounts/activate/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.services import login_blocked, record_login_failure
from core.web import client_address

from .activation import ActivationError, activate_student_account, reset_student_password


class ActivationForm(forms.Form):
    student_no = forms.CharField(label=gettext_lazy("学号"), max_length=32)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=24)
    password1 = forms.CharField(label=gettext_lazy("设置密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=gettext_lazy("再次输入密码"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            raise ValidationError(_("两次输入的密码不一致"))
        return cleaned


def _three_facts_then(request, form, service, welcome: str):
    """Both pages ask for the three facts from the roster and a password, throttled alike: the user,
    logged in, when the service accepted them; None, with the reason on the form, otherwise."""
    if request.method != "POST" or not form.is_valid():
        return None
    address = client_address(request)
    key = form.cleaned_data["student_no"]
    if login_blocked(username=key, ip_address=address, purpose="activate"):
        form.add_error(None, _("尝试次数过多，请 15 分钟后再试"))
        return None
    try:
        user = service(
            student_no=key,
            name=form.cleaned_data["name"],
            id_number=form.cleaned_data["id_number"],
            password=form.cleaned_data["password1"],
        )
    except ActivationError as exc:
        record_login_failure(username=key, ip_address=address, purpose="activate")
        form.add_error(None, str(exc))
        return None
    except ValidationError as exc:
        form.add_error("password1", exc)
        return None
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, welcome)
    return user


@never_cache  # a refused form is shown again with the ID number typed into it
def activate(request):
    form = ActivationForm(request.POST or None)
    if _three_facts_then(request, form, activate_student_account, _("账号已激活，欢迎使用")):
        return redirect("home")
    return render(request, "accounts/activate.html", {"form": form})


@never_cache
def reset_password(request):
    """忘记密码, for students: the three facts again (throttled like activation), then a new password.
    Staff and coordinators have no roster row: 教务处 resets theirs in the admin."""
    form = ActivationForm(request.POST or None)
    form.fields["password1"].label = _("新密码")
    if _three_facts_then(request, form, reset_student_password, _("密码已重新设置")):
        return redirect("home")
    return render(request, "accounts/reset_password.html", {"form": form})
