from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ProblemType


class ReportForm(forms.Form):
    problem_type = forms.ChoiceField(label=_("遇到的问题"), choices=ProblemType.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("信息有误时请写明哪一项错了、正确的是什么；照片不是本人时请说明"),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("处理结果"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("学生会看到这段说明"),
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("学信网校对状态表（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)s MB：请只保留状态所在的工作表") % {"mb": settings.ROSTER_UPLOAD_MAX_BYTES // 1048576}
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 文件（旧版 .xls 请先另存为 .xlsx）"))
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)
