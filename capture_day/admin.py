"""The campaign's admin lives here, not in sessions_app: saving an edited campaign goes through
`capture_day.services.save_campaign`, which reaches into verification (a layer above sessions_app)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions_app.activation import open_student_accounts
from sessions_app.models import Backdrop, Campaign, Identification
from sessions_app.phases import campaign_phase
from sessions_app.services import PHASE_REASON_MAX, refresh_slot_assignments, set_campaign_phase

from .services import save_campaign


class CampaignForm(forms.ModelForm):
    # A list of Backdrop codes in a JSONField: ticked boxes rather than typed JSON.
    photo_backgrounds = forms.MultipleChoiceField(
        label=_("电子照片允许的背景色"),
        choices=Backdrop.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按本批次通知：标准为蓝色，有的省份也允许白色"),
    )
    identification_methods = forms.MultipleChoiceField(
        label=_("刷证方式"),
        choices=Identification.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("采集台可用哪些方式识别学生；选了采集码，学生需在采集前绑定"),
        error_messages={"required": _("请至少选择一种刷证方式")},
    )
    phase_reason = forms.CharField(
        label=_("设定阶段的原因"),
        required=False,
        max_length=PHASE_REASON_MAX,
        help_text=_("改动“阶段（人工设定）”时必填，记入操作记录"),
    )

    def clean(self):
        cleaned = super().clean()
        # A phase set by hand stops or restarts every reminder: it says why, for the audit trail.
        if self.instance.pk and "phase_override" in self.changed_data and not cleaned.get("phase_reason", "").strip():
            self.add_error("phase_reason", _("请写明设定阶段的原因"))
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = (
        "code",
        "name",
        "level",
        "fee_per_person",
        "remittance_deadline",
        "verification_window",
        "phase",
    )
    list_filter = ("level", "phase_override")
    search_fields = ("code", "name")
    actions = ["rematch_slots", "open_accounts"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "name",
                    "level",
                    "capture_dates",
                    "desk_window_days",
                    "identification_methods",
                )
            },
        ),
        (_("阶段与个人信息保留"), {"fields": ("phase", "phase_override", "phase_reason", "retention_days")}),
        (_("费用"), {"fields": ("fee_per_person", "remittance_deadline")}),
        (_("拍摄能力"), {"fields": ("unit_per_hour", "unit_per_day")}),
        (
            _("网上校对与补拍"),
            {
                "fields": (
                    "verification_window",
                    "verification_window_unit",
                    "chsi_url",
                    "retake_deadline",
                    "photo_backgrounds",
                    "retake_centre_address",
                    "online_channel_name",
                )
            },
        ),
        (_("采集须知与联系人"), {"fields": ("rules", "what_to_bring", "contact_name", "contact_phone")}),
    )

    readonly_fields = ("phase",)

    @admin.display(description=_("当前阶段"))
    def phase(self, obj):
        return campaign_phase(obj).label if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        if change and "phase_override" in form.changed_data:
            # The service reads the stored phase, audits the change, then the rest is saved.
            set_campaign_phase(
                actor=request.user,
                campaign=obj,
                phase=form.cleaned_data["phase_override"],
                reason=form.cleaned_data["phase_reason"],
            )
        if change:
            # The service knows what an edit of each field brings along (the CHSI due dates).
            save_campaign(campaign=obj, changed_fields=form.changed_data)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("按规则重新匹配学生时段"))
    def rematch_slots(self, request, queryset):
        for campaign in queryset:
            s = refresh_slot_assignments(campaign=campaign)
            self.message_user(
                request,
                _("%(c)s：匹配 %(m)d，人工指定 %(o)d，无匹配 %(u)d，多个匹配 %(a)d")
                % {"c": campaign, "m": s.matched, "o": s.overridden, "u": s.unmatched, "a": s.ambiguous},
            )

    @admin.action(description=_("为名单学生开通账号（统一身份认证登录）"))
    def open_accounts(self, request, queryset):
        for campaign in queryset:
            opened = open_student_accounts(actor=request.user, campaign=campaign)
            self.message_user(
                request,
                ngettext(
                    "%(c)s：已开通 %(n)d 个学生账号；学生可用统一身份认证登录，无需自助激活",
                    "%(c)s：已开通 %(n)d 个学生账号；学生可用统一身份认证登录，无需自助激活",
                    opened,
                )
                % {"c": campaign, "n": opened},
            )
