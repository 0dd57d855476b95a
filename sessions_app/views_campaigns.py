"""Next year's campaign from an earlier one (staff): the yearly job in one step."""

import datetime
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.web import next_url
from sessions_app.campaigns import choose_campaign, current_campaign

from .cloning import EARLIEST_YEAR, LATEST_YEAR, CloneError, clone_campaign, first_capture_day
from .models import Campaign


class CloneCampaignForm(forms.Form):
    source = forms.ModelChoiceField(
        label=gettext_lazy("以哪个批次为模板"), queryset=Campaign.objects.order_by("-created_at"), empty_label=None
    )
    code = forms.SlugField(
        label=gettext_lazy("新批次代码"), max_length=32, help_text=gettext_lazy("如 2028，只能用字母、数字和短横线")
    )
    name = forms.CharField(label=gettext_lazy("新批次名称"), max_length=120)
    capture_day = forms.DateField(
        label=gettext_lazy("新的首个采集日"),
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={"type": "date", "min": f"{EARLIEST_YEAR}-01-01", "max": f"{LATEST_YEAR}-12-31"},
        ),
        help_text=gettext_lazy("所有时段和截止日期按同样的天数平移"),
    )


def _next_year(source: Campaign) -> dict:
    """Defaults for the form: the code and name with the year moved on, the same day a year later."""
    start = first_capture_day(source)
    bump = lambda m: str(int(m.group(0)) + 1)  # noqa: E731
    initial = {
        "source": source.pk,
        "code": re.sub(r"\d{4}", bump, source.code, count=1),
        "name": re.sub(r"\d{4}", bump, source.name, count=1),
    }
    if start is not None and start.year < LATEST_YEAR:
        try:
            initial["capture_day"] = start.replace(year=start.year + 1)
        except ValueError:  # 29 February
            initial["capture_day"] = start + datetime.timedelta(days=365)
    return initial


@staff_required
def clone(request):
    if request.method == "POST":
        form = CloneCampaignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = clone_campaign(
                    source=data["source"],
                    code=data["code"],
                    name=data["name"],
                    capture_day=data["capture_day"],
                    actor=request.user,
                )
            except CloneError as exc:
                field = {"code_taken": "code", "bad_year": "capture_day"}.get(exc.code)
                form.add_error(field, exc.message)
            else:
                messages.success(
                    request,
                    _("已创建“%(name)s”：日程、时段和拍摄对象已复制，首个采集日 %(day)s。下一步：导入本届学生名单。")
                    % {"name": campaign.name, "day": data["capture_day"].strftime("%Y-%m-%d")},
                )
                return redirect(reverse("roster:upload") + f"?campaign={campaign.code}")
        return render(request, "sessions_app/campaign_clone.html", {"form": form}, status=400)
    source = current_campaign(request)
    return render(request, "sessions_app/campaign_clone.html", {"form": CloneCampaignForm(initial=_next_year(source))})


def _without_campaign(url: str) -> str:
    """The page again, minus the campaign its URL named: the choice just made applies."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("campaign", "page")]
    return urlunsplit(parts._replace(query=urlencode(query)))


@require_POST
@login_required
def switch(request):
    """The header's campaign switcher: every page of this user shows the chosen campaign until
    they choose again (kept in their session; nobody else's pages change)."""
    campaign = choose_campaign(request, (request.POST.get("campaign") or "").strip())
    messages.info(request, _("现在显示：%(name)s") % {"name": campaign.name})
    return redirect(_without_campaign(next_url(request, reverse("home"))))
