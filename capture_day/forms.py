from django import forms
from django.utils.translation import gettext_lazy as _

from sessions_app.collection_codes import MAX_PAYLOAD_CHARS

# Long enough for a scanned CHSI 采集码 (an opaque payload, far longer than an ID number or a
# student number); anything longer is a reader fault, not a person.
MAX_CODE_LENGTH = MAX_PAYLOAD_CHARS


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
    # Set by desk.js: the browser's id of this swipe (sent again until answered) and its time.
    nonce = forms.UUIDField(required=False, error_messages={"invalid": _("刷证编号无效，请刷新页面后重新刷证")})
    swiped_at = forms.DateTimeField(required=False, error_messages={"invalid": _("刷证时间无效，请刷新页面后重新刷证")})


class ShotReasonForm(forms.Form):
    """Why a 拍摄号 is voided or a student re-queued: the audit trail keeps it."""

    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        strip=True,
        error_messages={"required": _("请填写原因，例如：学生离开队伍")},
    )
