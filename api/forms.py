from django import forms
from django.utils.translation import gettext_lazy as _

from sessions_app.models import Campaign

from .models import RATE_MAX, Scope


class TokenForm(forms.Form):
    name = forms.CharField(label=_("调用方名称"), max_length=100)
    campaigns = forms.ModelMultipleChoiceField(
        label=_("可读取的采集批次"),
        queryset=Campaign.objects.order_by("-created_at"),
        widget=forms.CheckboxSelectMultiple,
    )
    scopes = forms.MultipleChoiceField(
        label=_("数据范围"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("学号总会提供；身份证号只在勾选“身份证号”时提供"),
    )
    rate_per_minute = forms.IntegerField(label=_("每分钟请求上限"), min_value=1, max_value=RATE_MAX, initial=120)
