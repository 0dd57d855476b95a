"""Remittance to 教务处, its confirmation, and the staff reconciliation and export."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import role_required, staff_required
from core.web import LONG_PAGE_SIZE, WIDE_PAGE_SIZE, paginate
from sessions_app.scope import visible_colleges

from . import remittances, selectors, services
from .charts import fee_timeline
from .forms import (
    CancelRemittanceForm,
    ConfirmForm,
    RemittanceForm,
    ServiceCountForm,
)
from .models import Entry, Remittance
from .money import AmountError, parse_amount
from .services import FeeError
from .view_helpers import campaign_from, campaign_query, college_filter

# --- remittance ----------------------------------------------------------------


@role_required("coordinator")
def remittance_list(request):
    campaign = campaign_from(request)
    colleges, college_id = college_filter(request, campaign)
    if request.method == "POST":
        return _create_remittance(request, campaign)
    shown = [c for c in colleges if college_id in (None, c.pk)]
    figures, _total = selectors.reconciliation(
        campaign=campaign, colleges=visible_colleges(request.user).filter(pk__in=[c.pk for c in shown])
    )
    pending = selectors.remittable_by_college(campaign=campaign, college_ids=[c.pk for c in shown])
    unpaid = selectors.unpaid_students(user=request.user, campaign=campaign, college_ids=[c.pk for c in shown])
    cards = [
        {
            "figures": f,
            "unpaid": unpaid.get(f.college.pk, []),
            "pending_count": pending.get(f.college.pk, (0, services.ZERO))[0],
            "pending_amount": pending.get(f.college.pk, (0, services.ZERO))[1],
            "form": RemittanceForm(initial={"college": f.college.pk}),
        }
        for f in figures
    ]
    qs = selectors.remittances_for(user=request.user, campaign=campaign, college_id=college_id)
    page = paginate(request, qs, per_page=WIDE_PAGE_SIZE)
    return render(
        request,
        "fees/remittances.html",
        {
            "campaign": campaign,
            "cards": cards,
            "page": page,
            "query": campaign_query(campaign, college=college_id),
            "colleges": colleges,
            "college_id": college_id,
        },
    )


def _create_remittance(request, campaign):
    form = RemittanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交内容不完整，请刷新页面后重试"))
        return redirect(f"{reverse('fees:remittances')}?{campaign_query(campaign)}")
    college = visible_colleges(request.user).filter(pk=form.cleaned_data["college"]).first()
    if college is None:
        raise Http404(_("没有这个学院，或你不负责它"))
    try:
        remittance, created = remittances.create_remittance(
            campaign=campaign,
            college=college,
            actor=request.user,
            idempotency_key=services.client_key(
                user=request.user, form="remittance", token=form.cleaned_data["idempotency_key"]
            ),
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('fees:remittances')}?{campaign_query(campaign)}")
    if created:
        messages.success(
            request,
            ngettext(
                "已生成上交单：%(college)s %(amount)s（%(n)s 笔），请将款项交教务处",
                "已生成上交单：%(college)s %(amount)s（%(n)s 笔），请将款项交教务处",
                remittance.entry_count,
            )
            % {"college": college.name, "amount": services.money(remittance.amount), "n": remittance.entry_count},
        )
    else:
        messages.info(request, _("这张上交单已生成过，本次未重复生成"))
    return redirect("fees:remittance", pk=remittance.pk)


def _visible_remittance(request, pk: int) -> Remittance:
    remittance = (
        Remittance.objects.filter(pk=pk, college__in=visible_colleges(request.user))
        .select_related(
            "campaign",
            "college",
            "submitted_by",
            "cancelled_by",
            "confirmation__confirmed_by",
            "confirmation__reversal",
        )
        .first()
    )
    if remittance is None:
        raise Http404(_("没有这张上交单，或你无权查看"))
    return remittance


@role_required("coordinator")
def remittance_detail(request, pk: int):
    remittance = _visible_remittance(request, pk)
    items = (
        Entry.objects.filter(remittance_item__remittance=remittance)
        .select_related("account__student", "posted_by")
        .order_by("posted_at", "id")
    )
    page = paginate(request, items, per_page=LONG_PAGE_SIZE)
    confirmation = getattr(remittance, "confirmation", None)
    unpaid = selectors.unpaid_students(
        user=request.user, campaign=remittance.campaign, college_ids=[remittance.college_id]
    ).get(remittance.college_id, [])
    return render(
        request,
        "fees/remittance_detail.html",
        {
            "remittance": remittance,
            "campaign": remittance.campaign,
            "confirmation": confirmation,
            "unpaid": unpaid,
            "unpaid_count": selectors.unpaid_count(
                user=request.user, campaign=remittance.campaign, college_id=remittance.college_id
            )
            if unpaid
            else 0,
            "page": page,
            "query": "",
            "confirm_form": ConfirmForm(initial={"received_amount": f"{remittance.amount:.2f}"})
            if request.user.is_academic_staff and confirmation is None and remittance.cancelled_at is None
            else None,
            "cancel_form": CancelRemittanceForm() if confirmation is None and remittance.cancelled_at is None else None,
        },
    )


@role_required("coordinator")
def remittance_print(request, pk: int):
    """The 上交单 handed over with the cash: every student and amount, totals, signature lines."""
    remittance = _visible_remittance(request, pk)
    items = list(
        Entry.objects.filter(remittance_item__remittance=remittance)
        .select_related("account__student")
        .order_by("account__student__class_name", "account__student__student_no", "posted_at", "id")
    )
    by_method: dict[str, list] = {}
    for entry in items:
        by_method.setdefault(entry.get_method_display(), []).append(entry)
    return render(
        request,
        "fees/remittance_print.html",
        {
            "remittance": remittance,
            "campaign": remittance.campaign,
            "confirmation": getattr(remittance, "confirmation", None),
            "basis_matches": remittance.captured_count * remittance.campaign.fee_per_person == remittance.expected,
            "items": items,
            "total": sum((e.cash_delta for e in items), Decimal("0.00")),
            "students": len({e.account.student_id for e in items}),
            "methods": [
                (name, len(rows), sum((e.cash_delta for e in rows), Decimal("0.00")))
                for name, rows in sorted(by_method.items())
            ],
        },
    )


@staff_required
@require_POST
def confirm_remittance(request, pk: int):
    remittance = _visible_remittance(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写实收金额"))
        return redirect("fees:remittance", pk=remittance.pk)
    if not form.cleaned_data["checked"]:
        return _confirm_check_page(request, remittance, form)
    try:
        confirmation = remittances.confirm_remittance(
            remittance=remittance,
            actor=request.user,
            received_amount=form.cleaned_data["received_amount"],
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
    else:
        difference = confirmation.received_amount - remittance.amount
        if difference:
            messages.warning(
                request,
                _("已确认到账 %(received)s，与上交金额相差 %(difference)s，差额会一直显示在对账表中")
                % {"received": services.money(confirmation.received_amount), "difference": services.money(difference)},
            )
        else:
            messages.success(
                request, _("已确认到账 %(received)s") % {"received": services.money(confirmation.received_amount)}
            )
    return redirect("fees:remittance", pk=remittance.pk)


def _confirm_check_page(request, remittance: Remittance, form: ConfirmForm):
    """确认到账 cannot be undone by the college, so staff see the amount they typed, in 大写, and
    its difference to the slip before it is recorded."""
    try:
        received = parse_amount(form.cleaned_data["received_amount"], allow_zero=True)
    except AmountError as exc:
        messages.error(request, exc.message)
        return redirect("fees:remittance", pk=remittance.pk)
    return render(
        request,
        "fees/remittance_confirm.html",
        {
            "remittance": remittance,
            "campaign": remittance.campaign,
            "received": received,
            "difference": received - remittance.amount,
            "note": form.cleaned_data["note"],
        },
    )


@staff_required
@require_POST
def reverse_confirmation(request, pk: int):
    remittance = _visible_remittance(request, pk)
    try:
        remittances.reverse_confirmation(
            remittance=remittance, actor=request.user, reason=request.POST.get("reason", "")
        )
    except FeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销到账确认，这张上交单作废；其中的款项可由学院重新上交后再确认"))
    return redirect("fees:remittance", pk=remittance.pk)


@role_required("coordinator")
@require_POST
def cancel_remittance(request, pk: int):
    remittance = _visible_remittance(request, pk)
    form = CancelRemittanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回上交必须填写原因"))
        return redirect("fees:remittance", pk=remittance.pk)
    try:
        remittances.cancel_remittance(remittance=remittance, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已撤回这张上交单，其中的款项可重新上交"))
    except FeeError as exc:
        messages.error(request, exc.message)
    return redirect("fees:remittance", pk=remittance.pk)


# --- staff reconciliation and export ------------------------------------------------


@staff_required
def reconciliation(request):
    campaign = campaign_from(request)
    figures, total = selectors.reconciliation(campaign=campaign, colleges=visible_colleges(request.user))
    awaiting = (
        Remittance.objects.filter(campaign=campaign, cancelled_at__isnull=True, confirmation__isnull=True)
        .select_related("college", "submitted_by")
        .order_by("submitted_at")[:50]
    )
    return render(
        request,
        "fees/reconciliation.html",
        {
            "campaign": campaign,
            "figures": figures,
            "total": total,
            "awaiting": list(awaiting),
            "reminders": selectors.remittance_reminders(campaign=campaign),
            "late": selectors.missed_remittance_deadline(campaign=campaign, figures=figures),
            "rejected_callbacks": selectors.rejected_callbacks_count(),
            "chart": fee_timeline(campaign=campaign, colleges=visible_colleges(request.user)),
            "query": campaign_query(campaign),
            "service_form": ServiceCountForm(colleges=[f.college for f in figures]),
        },
    )


@staff_required
@require_POST
def record_service_count(request):
    campaign = campaign_from(request)
    colleges = list(visible_colleges(request.user))
    form = ServiceCountForm(request.POST, colleges=colleges)
    back = f"{reverse('fees:reconciliation')}?{campaign_query(campaign)}#service-counts"
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    college = next(c for c in colleges if c.pk == int(form.cleaned_data["college"]))
    try:
        remittances.record_service_count(
            campaign=campaign,
            college=college,
            count=form.cleaned_data["count"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已登记 %(college)s 摄影方收费人数 %(count)s")
            % {"college": college.name, "count": form.cleaned_data["count"]},
        )
    return redirect(back)


@role_required("coordinator")
def export(request):
    """Old address: the fee report is a background job on the one export page."""
    return redirect(reverse("export", args=["fees"]) + f"?{campaign_query(campaign_from(request))}")
