from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.web import paginate, parse_pk

from . import services
from .forms import ChannelPreferenceForm
from .selectors import inbox_for, sms_template_coverage, unknown_deliveries


@login_required
def inbox(request):
    page = paginate(request, inbox_for(request.user).order_by("-created_at", "-id"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_all_read(request):
    count = services.mark_read(user=request.user)
    messages.success(request, ngettext("已将 %(n)s 条消息标为已读", "已将 %(n)s 条消息标为已读", count) % {"n": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    """How the signed-in person wants to be told; without a saved choice, their role's defaults."""
    current = services.channel_preference_for(user=request.user)
    form = ChannelPreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.save_channel_preference(actor=request.user, preference=form.save(commit=False))
        messages.success(request, _("接收方式已保存"))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "wecom_on": bool(settings.WECOM_CORP_ID)},
    )


@staff_required
def delivery_health(request):
    """Staff: message kinds without an SMS template for the configured provider, and deliveries
    whose outcome is unknown (to check with the person or the provider's console, then settle)."""
    if request.method == "POST":
        delivery_id = parse_pk(request.POST.get("delivery"))
        if delivery_id is not None:
            try:
                services.resolve_unknown_delivery(
                    actor=request.user, delivery_id=delivery_id, delivered=request.POST.get("delivered") == "1"
                )
                messages.success(request, _("已处理"))
            except services.DeliveryResolutionError as exc:
                messages.error(request, exc.message)
        return redirect("notifications:delivery_health")
    provider = services.configured_sms_provider()
    coverage = sms_template_coverage(provider) if provider else []
    return render(
        request,
        "notifications/delivery_health.html",
        {
            "provider": provider,
            "missing": [code for code, template in coverage if template is None],
            "covered": [(code, template) for code, template in coverage if template is not None],
            "page": paginate(request, unknown_deliveries()),
        },
    )
