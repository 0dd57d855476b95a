from django import forms
from django.utils.translation import gettext_lazy

from intake.forms import check_upload, file_field

from ..models import Campaign
from .files import limits


class RosterUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-created_at"),
        label=gettext_lazy("采集批次"),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("请选择一个采集批次")},
    )
    file = file_field(gettext_lazy("名单文件"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload, limits())
        return upload
