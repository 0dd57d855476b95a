from django import forms
from django.utils.translation import gettext_lazy as _


class EraseStudentForm(forms.Form):
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=500,
        help_text=_("例如“学生本人 2027-03-01 书面申请”；请勿在此填写身份证号、手机号等个人信息"),
    )
