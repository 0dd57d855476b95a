from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import PlainSelect

from .models import Capture, Slot
from .selectors import CaptureFilter, slot_label, slot_label_with_audiences


class UndoCaptureForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=Capture._meta.get_field("undo_reason").max_length,
        strip=True,
        error_messages={"required": _("撤销采集必须填写原因")},
    )


class StudentFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("全部")),
        (CaptureFilter.CAPTURED, _("已采集")),
        (CaptureFilter.NOT_CAPTURED, _("未采集")),
        (CaptureFilter.WRONG_SLOT, _("非本人时段采集")),
    ]
    q = forms.CharField(label=_("学号或姓名"), required=False, max_length=64)
    # Written in Python: the class list is long and the page is the coordinators' busiest.
    class_name = forms.ChoiceField(label=_("班级"), required=False, widget=PlainSelect)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES, widget=PlainSelect)

    def __init__(self, *args, class_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", _("全部班级"))] + [(c, c) for c in class_names]

    def filters(self) -> dict:
        """The valid filters; a tampered value is dropped instead of failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "class_name": data.get("class_name") or "",
            "status": data.get("status") or "",
        }


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Slot) -> str:
        return slot_label(obj)


class AudienceSlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Slot) -> str:
        return slot_label_with_audiences(obj)


class OverrideSlotForm(forms.Form):
    # Each slot says whom it serves: staff moving a student pick the slot of the right college.
    slot = AudienceSlotChoiceField(
        label=_("指定时段"),
        queryset=Slot.objects.none(),
        required=False,
        empty_label=_("按规则匹配（取消人工指定）"),
    )
    reason = forms.CharField(
        label=_("原因"), max_length=200, strip=True, error_messages={"required": _("请填写调整时段的原因")}
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
