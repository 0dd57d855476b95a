"""Fee forms. Amounts are plain text here: the services parse them (one place for the money
rules), and every form that posts carries a hidden idempotency key minted when it is rendered."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms import check_upload, file_field

from .ledger import CLIENT_TOKEN
from .models import DIRECT_METHODS, Method
from .models_service import SERVICE_COUNT_MAX

# What a college may record by hand: platform payments arrive only through the platform's notice.
COLLEGE_METHODS = [(value, label) for value, label in Method.choices if value not in DIRECT_METHODS]


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    """The key is only a token: views bind it to the user and the form with `services.client_key`."""

    idempotency_key = forms.RegexField(
        regex=CLIENT_TOKEN,
        widget=forms.HiddenInput,
        max_length=32,
        error_messages={"invalid": _("提交编号无效，请刷新页面后重新提交")},
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class PaymentForm(KeyedForm):
    student = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    amount = forms.CharField(
        label=_("金额（元）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"}),
    )
    method = forms.ChoiceField(label=_("方式"), choices=COLLEGE_METHODS, initial=Method.CASH)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class MarkPaidForm(KeyedForm):
    students = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("请至少选择一名学生")}
    )
    payer = forms.CharField(
        label=_("缴款人"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("代缴人（可选，如：班长 张三）")}),
    )
    method = forms.ChoiceField(label=_("方式"), choices=COLLEGE_METHODS, initial=Method.CASH)
    note = forms.CharField(
        label=_("备注"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("备注（可选）")}),
    )

    def __init__(self, *args, student_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(pk, pk) for pk in student_ids]


class RefundForm(KeyedForm):
    amount = forms.CharField(label=_("退费金额（元）"), max_length=20)
    method = forms.ChoiceField(label=_("方式"), choices=Method.choices, initial=Method.CASH)
    note = forms.CharField(label=_("原因"), max_length=200)


class WaiverForm(KeyedForm):
    amount = forms.CharField(label=_("减免金额（元）"), max_length=20)
    note = forms.CharField(label=_("原因"), max_length=200)


class ReverseForm(KeyedForm):
    reason = forms.CharField(label=_("冲正原因"), max_length=200)


class ImportForm(forms.Form):
    file = file_field(_("缴费记录"))

    def clean_file(self):
        from .payment_import import LIMITS

        upload = self.cleaned_data["file"]
        check_upload(upload, LIMITS)
        return upload


class RemittanceForm(KeyedForm):
    college = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ConfirmForm(forms.Form):
    received_amount = forms.CharField(label=_("实收金额（元）"), max_length=20)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    # Set only by the check page's button: the first post shows the amount and difference.
    checked = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CancelRemittanceForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class ServiceCountForm(forms.Form):
    """The photo service's per-college count (its 收费条), typed by 教务处."""

    college = forms.ChoiceField(label=_("学院"))
    count = forms.IntegerField(
        label=_("摄影方人数"),
        min_value=0,
        max_value=SERVICE_COUNT_MAX,
        error_messages={"invalid": _("人数请填整数"), "required": _("请填写摄影方收费条上的人数")},
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, colleges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["college"].choices = [(str(c.pk), c.name) for c in colleges]
