from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms import check_upload, file_field

from .models import ProblemType


class ReportForm(forms.Form):
    problem_type = forms.ChoiceField(
        label=_("遇到的问题"),
        choices=ProblemType.choices,
        widget=forms.RadioSelect,
        # Django's "这个字段是必填项。" says nothing about what to do on this form.
        error_messages={"required": _("请先选择遇到的是哪一种问题"), "invalid_choice": _("请从列出的问题中选择一种")},
    )
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
    file = file_field(_("学信网校对状态表"))

    def clean_file(self):
        from .chsi_import import limits

        upload = self.cleaned_data["file"]
        check_upload(upload, limits())
        return upload
