"""The upload field every import page uses: size first, then what the file really is."""

from django import forms
from django.utils.translation import gettext_lazy

from . import formats
from .errors import IntakeError
from .guards import Limits, check_size

ACCEPT = ".xlsx,.xlsm,.xls,.csv,.ods,.htm,.html,.txt"
TYPES_TEXT = gettext_lazy("Excel（.xlsx、.xls）、WPS 或 CSV 文件")


def check_upload(upload, limits: Limits) -> None:
    """Raise forms.ValidationError (with the intake's code) unless upload could be a table."""
    try:
        check_size(upload.size, limits)
        upload.seek(0)
        head = upload.read(65536)
        upload.seek(0)
        if upload.size <= 65536:
            formats.sniff(head)
        elif not head.startswith(b"PK"):
            formats.sniff(head)  # zip members are checked when the whole file is read
    except IntakeError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


def file_field(label) -> forms.FileField:
    return forms.FileField(
        label=label,
        error_messages={
            "required": gettext_lazy("请选择要上传的文件"),
            "empty": gettext_lazy("文件是空的：请选择要导入的表格文件"),
            "invalid": gettext_lazy("没有收到文件，请重新选择后上传"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=TYPES_TEXT,
    )
