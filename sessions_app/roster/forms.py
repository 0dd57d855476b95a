from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Campaign
from .files import RosterFileError, check_xlsx, human_size


class RosterUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-created_at"),
        label=gettext_lazy("采集批次"),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("请选择一个采集批次")},
    )
    file = forms.FileField(
        label=gettext_lazy("名单文件（.xlsx）"),
        error_messages={
            "required": gettext_lazy("请选择要上传的名单文件"),
            "empty": gettext_lazy("文件是空的：请上传学生名单 .xlsx 文件"),
            "invalid": gettext_lazy("没有收到文件，请重新选择后上传"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件有 %(size)s，超过了 %(limit)s 的上限：请只保留名单所在的工作表后再上传")
                % {"size": human_size(upload.size), "limit": human_size(limit)}
            )
        try:
            check_xlsx(upload)
        except RosterFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload
