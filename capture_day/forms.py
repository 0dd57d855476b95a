from django import forms
from django.utils.translation import gettext_lazy as _

# Long enough for an 18-character ID number, a student number or a CHSI collection code
# with stray spaces; anything longer is a reader fault, not a person.
MAX_CODE_LENGTH = 64


class SwipeForm(forms.Form):
    code = forms.CharField(
        label=_("身份证号 / 学号 / 采集码"),
        max_length=MAX_CODE_LENGTH,
        strip=True,
        error_messages={
            "required": _("请刷身份证，或输入学号、采集码"),
            "max_length": _("输入过长（最多 %(limit_value)d 个字符），请重新刷证"),
        },
    )
