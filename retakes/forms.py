from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Reason


class RequestForm(forms.Form):
    student_no = forms.CharField(label=_("学号"), max_length=32, required=False)
    reason = forms.ChoiceField(label=_("未参加集中拍摄的原因"), choices=Reason.choices)
    reason_detail = forms.CharField(label=_("原因说明"), max_length=200, required=False)
    channel = forms.ChoiceField(label=_("补拍方式"), choices=Channel.choices, widget=forms.RadioSelect)
    planned_date = forms.DateField(
        label=_("计划补拍日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, for_student: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if for_student:
            del self.fields["student_no"]
        else:
            self.fields["student_no"].required = True

    def clean(self):
        data = super().clean()
        if data.get("reason") == Reason.OTHER and not (data.get("reason_detail") or "").strip():
            self.add_error("reason_detail", _("原因选择“其他”时，请说明具体原因"))
        return data


class PhotoForm(forms.Form):
    # Empty files reach the photo check, whose message says what is wrong in the same words as elsewhere.
    photo = forms.FileField(label=_("电子照片"), allow_empty_file=True)
    note = forms.CharField(
        label=_("说明（照片未通过自动检查仍要提交时请填写）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回重拍"))])
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), required=False, max_length=500)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); cleaned as a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


# Reasons a batch may give for the requests it files ("other" needs a sentence per student).
BATCH_REASONS = [(value, label) for value, label in Reason.choices if value != Reason.OTHER]


class BatchImportForm(forms.Form):
    files = MultipleFileField(
        label=_("电子照片（一个 zip 压缩包，或多张照片）"),
        help_text=_("文件名为学号、身份证号或“姓名_学号”，如 2017000123.jpg、张三_2017000123.jpg"),
    )
    channel = forms.ChoiceField(
        label=_("学生还没有补拍申请时，按此方式新建"), choices=Channel.choices, initial=Channel.CENTRAL
    )
    reason = forms.ChoiceField(label=_("新建申请的原因"), choices=BATCH_REASONS, initial=Reason.MISSED_SHOOT)


class PhotoExportForm(forms.Form):
    name_by = forms.ChoiceField(
        label=_("照片文件命名"),
        choices=[("id_number", _("身份证号.jpg")), ("student_no", _("学号.jpg"))],
        initial="id_number",
        widget=forms.RadioSelect,
    )
    college = forms.IntegerField(label=_("学院"), required=False)
    class_name = forms.CharField(label=_("班级"), required=False, max_length=64)
