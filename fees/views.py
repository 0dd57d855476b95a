"""Fee pages per role. Thin: scope from accounts.scope, rules in services, reads in selectors."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required, staff_required
from accounts.scope import get_visible_student_or_404, student_profile, visible_colleges, visible_students
from photocapture.campaigns import current_campaign
from sessions_app.services import find_student

from . import selectors, services
from .callback import handle_callback
from .exports import write_fee_report
from .forms import (
    CancelRemittanceForm,
    ConfirmForm,
    ImportForm,
    MarkPaidForm,
    PaymentForm,
    RefundForm,
    RemittanceForm,
    ReverseForm,
    WaiverForm,
    new_key,
)
from .models import Entry, Method, Remittance
from .payment_import import import_payments
from .services import FeeError

PAGE_SIZE = 100


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _param(data, name: str, max_length: int = 64) -> str:
    """A text parameter safe to put in a query: PostgreSQL refuses NUL characters (a 500 otherwise)."""
    return (data.get(name) or "").replace("\x00", "").strip()[:max_length]


def _campaign(request):
    """The campaign named by the form or the URL, else the current one."""
    code = _param(request.POST, "campaign") or _param(request.GET, "campaign")
    return current_campaign(None, code=code or None)


def _wants_json(request) -> bool:
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get("accept", "")


def _campaign_query(campaign, **extra) -> str:
    return urlencode({"campaign": campaign.code, **{k: v for k, v in extra.items() if v not in (None, "")}})


def _back(request, fallback: str) -> str:
    """Return to the page the form came from, if it is one of ours."""
    target = request.POST.get("next") or ""
    ok = target.startswith("/fees/") and target.isprintable() and len(target) < 2000
    return target if ok else fallback


@login_required
def index(request):
    user = request.user
    if user.is_academic_staff:
        return reconciliation(request)
    if user.is_coordinator:
        return ledger(request)
    if user.is_student:
        return student_fees(request)
    raise PermissionDenied(_("费用页面只对教务处、学院负责老师和毕业生开放"))


# --- student -------------------------------------------------------------------


def student_fees(request):
    student = student_profile(request.user)
    if student is None:
        return render(request, "fees/student.html", {"student": None})
    account = selectors.account_for(student)
    entries = list(selectors.entries_for(student)) if account else []
    return render(
        request,
        "fees/student.html",
        {
            "student": student,
            "campaign": student.campaign,
            "account": account,
            "entries": entries,
            "captured": selectors.is_captured(student),
        },
    )


# --- coordinator: ledger, entry, mark paid -------------------------------------


def _college_filter(request, campaign):
    colleges = list(visible_colleges(request.user))
    college_id = _int(request.GET.get("college"))
    if college_id not in {c.pk for c in colleges}:
        college_id = None
    return colleges, college_id


@role_required("coordinator")
def ledger(request):
    campaign = _campaign(request)
    colleges, college_id = _college_filter(request, campaign)
    class_name = _param(request.GET, "class")
    only_unpaid = request.GET.get("unpaid") == "1"
    query = _param(request.GET, "q", 32)
    rows = selectors.student_fee_rows(
        user=request.user,
        campaign=campaign,
        college_id=college_id,
        class_name=class_name,
        only_unpaid=only_unpaid,
        query=query,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [c for c in colleges if college_id in (None, c.pk)]
    figures, total = selectors.reconciliation(
        campaign=campaign, colleges=visible_colleges(request.user).filter(pk__in=[c.pk for c in shown])
    )
    unpaid_ids = [s.pk for s in page if getattr(s, "fee_account", None) and s.fee_account.balance > 0]
    return render(
        request,
        "fees/ledger.html",
        {
            "campaign": campaign,
            "colleges": colleges,
            "college_id": college_id,
            "class_names": selectors.class_names(user=request.user, campaign=campaign, college_id=college_id),
            "class_name": class_name,
            "only_unpaid": only_unpaid,
            "q": query,
            "page": page,
            "query": _campaign_query(
                campaign, college=college_id, **{"class": class_name}, unpaid="1" if only_unpaid else "", q=query
            ),
            "figures": figures,
            "total": total,
            "mark_form": MarkPaidForm(),
            "unpaid_ids": unpaid_ids,
        },
    )


def _student_card(student, account, captured: bool) -> dict:
    charged = account.charged if account else services.ZERO
    paid = account.paid if account else services.ZERO
    waived = account.waived if account else services.ZERO
    balance = account.balance if account else services.ZERO
    limit = services.payable_limit(account) if account else student.campaign.fee_per_person
    if captured:
        suggested = max(balance, services.ZERO)
    else:
        suggested = limit
    return {
        "id": student.pk,
        "name": student.name,
        "student_no": student.student_no,
        "college": student.college.name,
        "class_name": student.class_name,
        "captured": captured,
        "charged": f"{charged:.2f}",
        "paid": f"{paid:.2f}",
        "waived": f"{waived:.2f}",
        "balance": f"{balance:.2f}",
        "limit": f"{limit:.2f}",
        "suggested": f"{suggested:.2f}",
    }


def _lookup(request, campaign, identifier: str):
    """(student, card, error): the student typed or scanned, if this user may post for them."""
    identifier = (identifier or "").strip()[:64]
    if not identifier:
        return None, None, _("请输入或扫描学号")
    student, _method = find_student(campaign=campaign, identifier=identifier)
    if student is None:
        return None, None, _("本批次名单中没有“%(code)s”，请核对学号") % {"code": identifier[:32]}
    if not visible_students(request.user, campaign).filter(pk=student.pk).exists():
        return None, None, _("学号 %(no)s 不属于你负责的学院，不能为其登记费用") % {"no": student.student_no}
    account = selectors.account_for(student)
    card = _student_card(student, account, selectors.is_captured(student))
    return student, card, None


@role_required("coordinator")
@require_GET
def lookup(request):
    campaign = _campaign(request)
    student, card, error = _lookup(request, campaign, _param(request.GET, "q"))
    if error:
        return JsonResponse({"ok": False, "error": error}, status=404)
    # The key is minted with the form the coordinator is about to submit, so resending it posts once.
    return JsonResponse({"ok": True, "student": card, "key": new_key()})


@role_required("coordinator")
def entry(request):
    """Keyboard-first payment entry: 学号 + Enter, amount prefilled, Enter confirms."""
    campaign = _campaign(request)
    if request.method == "POST":
        return _post_payment(request, campaign)
    identifier = _param(request.GET, "q")
    student = card = error = None
    form = None
    if identifier.strip():
        student, card, error = _lookup(request, campaign, identifier)
        if student is not None:
            form = PaymentForm(initial={"student": student.pk, "amount": card["suggested"]})
    return render(
        request,
        "fees/entry.html",
        {
            "campaign": campaign,
            "q": identifier if error else "",
            "card": card,
            "form": form,
            "error": error,
            "methods": Method.choices,
        },
    )


def _post_payment(request, campaign):
    form = PaymentForm(request.POST)
    error = None
    student = None
    if form.is_valid():
        try:
            student = get_visible_student_or_404(request.user, form.cleaned_data["student"], campaign)
        except Http404:
            error = _("没有这名学生，或其不属于你负责的学院")
        else:
            try:
                posted = services.post_payment(
                    student=student,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    actor=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    note=form.cleaned_data["note"],
                )
            except FeeError as exc:
                error = exc.message
    else:
        error = _("请检查填写的内容：%(errors)s") % {
            "errors": "；".join(str(e) for errors in form.errors.values() for e in errors)
        }
    if error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": error}, status=400)
        messages.error(request, error)
        card = None
        if student is not None:
            card = _student_card(student, selectors.account_for(student), selectors.is_captured(student))
        return render(
            request,
            "fees/entry.html",
            {"campaign": campaign, "card": card, "form": form if card else None, "q": "", "methods": Method.choices},
        )
    entry_obj = posted.entry
    if posted.created:
        message = _("已登记：%(name)s（%(no)s）%(amount)s，%(method)s") % {
            "name": student.name,
            "no": student.student_no,
            "amount": services.money(entry_obj.amount),
            "method": entry_obj.get_method_display(),
        }
    else:
        message = _("这笔缴费已登记过（%(name)s %(amount)s），本次未重复入账") % {
            "name": student.name,
            "amount": services.money(entry_obj.amount),
        }
    if _wants_json(request):
        account = selectors.account_for(student)
        return JsonResponse(
            {
                "ok": True,
                "created": posted.created,
                "message": message,
                "entry": entry_obj.pk,
                "student": _student_card(student, account, selectors.is_captured(student)),
            }
        )
    messages.success(request, message)
    return redirect(_back(request, f"{reverse('fees:entry')}?{_campaign_query(campaign)}"))


@role_required("coordinator")
@require_POST
def mark_paid(request):
    campaign = _campaign(request)
    ids = [pk for pk in (_int(v) for v in request.POST.getlist("students")) if pk]
    students = list(visible_students(request.user, campaign).filter(pk__in=ids).select_related("college"))
    form = MarkPaidForm(request.POST, student_ids=[s.pk for s in students])
    back = _back(request, f"{reverse('fees:ledger')}?{_campaign_query(campaign)}")
    if len(students) != len(set(ids)):
        messages.error(request, _("所选学生中有不属于你负责学院的，未登记任何缴费"))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        result = services.mark_paid(
            students=students,
            method=form.cleaned_data["method"],
            actor=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if result.errors:
        messages.error(request, _("未登记任何缴费：") + "；".join(result.errors))
    elif result.created:
        messages.success(
            request,
            _("已登记 %(n)s 人缴费，共 %(total)s") % {"n": len(result.created), "total": services.money(result.total)},
        )
    else:
        messages.info(request, _("这些缴费已登记过，本次未重复入账"))
    return redirect(back)


# --- one student's ledger: refunds, waivers, reversals --------------------------


@role_required("coordinator")
def student_ledger(request, pk: int):
    student = get_visible_student_or_404(request.user, pk)
    account = selectors.account_for(student)
    return render(
        request,
        "fees/student_ledger.html",
        {
            "student": student,
            "campaign": student.campaign,
            "account": account,
            "entries": list(selectors.entries_for(student)),
            "captured": selectors.is_captured(student),
            "refund_form": RefundForm(),
            "waiver_form": WaiverForm() if request.user.is_academic_staff else None,
            "reverse_form": ReverseForm(),
            "payment_form": PaymentForm(
                initial={
                    "student": student.pk,
                    "amount": _student_card(student, account, selectors.is_captured(student))["suggested"],
                }
            ),
        },
    )


@role_required("coordinator")
@require_POST
def refund(request, pk: int):
    student = get_visible_student_or_404(request.user, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            services.post_refund(
                student=student,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                actor=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已登记退费"))
        except FeeError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请填写退费金额和原因"))
    return redirect("fees:student", pk=student.pk)


@staff_required
@require_POST
def waiver(request, pk: int):
    student = get_visible_student_or_404(request.user, pk)
    form = WaiverForm(request.POST)
    if form.is_valid():
        try:
            services.post_waiver(
                student=student,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已登记减免"))
        except FeeError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请填写减免金额和原因"))
    return redirect("fees:student", pk=student.pk)


@role_required("coordinator")
@require_POST
def reverse_entry(request, pk: int):
    entry_obj = (
        Entry.objects.filter(pk=pk, account__student__in=visible_students(request.user))
        .select_related("account__student")
        .first()
    )
    if entry_obj is None:
        raise Http404(_("没有这条记录，或你无权查看"))
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.reverse_entry(
                entry=entry_obj,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
            messages.success(request, _("已冲正"))
        except FeeError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("冲正必须填写原因"))
    return redirect("fees:student", pk=entry_obj.account.student_id)


# --- import --------------------------------------------------------------------


@role_required("coordinator")
def import_view(request):
    campaign = _campaign(request)
    result = None
    form = ImportForm()
    if request.method == "POST":
        try:
            form = ImportForm(request.POST, request.FILES)
            valid = form.is_valid()
        except RequestDataTooBig:
            valid = False
            messages.error(request, _("文件过大"))
        if valid:
            upload = form.cleaned_data["file"]
            if not upload.name.lower().endswith(".xlsx"):
                messages.error(request, _("请上传 .xlsx 文件"))
            elif upload.size > 5 * 1024 * 1024:
                messages.error(request, _("文件过大：不能超过 5 MB"))
            else:
                try:
                    result = import_payments(campaign=campaign, data=upload.read(), actor=request.user)
                except FeeError as exc:
                    messages.error(request, exc.message)
                else:
                    if result.ok:
                        messages.success(
                            request,
                            _("导入完成：新登记 %(created)s 笔，共 %(total)s；已登记过的 %(replayed)s 笔未重复入账")
                            % {
                                "created": result.created,
                                "total": services.money(result.total),
                                "replayed": result.replayed,
                            },
                        )
                    else:
                        messages.error(
                            request, _("有 %(n)s 处错误，未导入任何记录，请改正后重新上传") % {"n": len(result.errors)}
                        )
    return render(request, "fees/import.html", {"campaign": campaign, "form": form, "result": result})


# --- remittance ----------------------------------------------------------------


@role_required("coordinator")
def remittances(request):
    campaign = _campaign(request)
    colleges, college_id = _college_filter(request, campaign)
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
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "fees/remittances.html",
        {
            "campaign": campaign,
            "cards": cards,
            "page": page,
            "query": _campaign_query(campaign, college=college_id),
            "colleges": colleges,
            "college_id": college_id,
        },
    )


def _create_remittance(request, campaign):
    form = RemittanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交内容不完整，请刷新页面后重试"))
        return redirect(f"{reverse('fees:remittances')}?{_campaign_query(campaign)}")
    college = visible_colleges(request.user).filter(pk=form.cleaned_data["college"]).first()
    if college is None:
        raise Http404(_("没有这个学院，或你不负责它"))
    try:
        remittance, created = services.create_remittance(
            campaign=campaign,
            college=college,
            actor=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('fees:remittances')}?{_campaign_query(campaign)}")
    if created:
        messages.success(
            request,
            _("已生成上交单：%(college)s %(amount)s（%(n)s 笔），请将款项交教务处")
            % {"college": college.name, "amount": services.money(remittance.amount), "n": remittance.entry_count},
        )
    else:
        messages.info(request, _("这张上交单已生成过，本次未重复生成"))
    return redirect("fees:remittance", pk=remittance.pk)


def _visible_remittance(request, pk: int) -> Remittance:
    remittance = (
        Remittance.objects.filter(pk=pk, college__in=visible_colleges(request.user))
        .select_related("campaign", "college", "submitted_by", "cancelled_by", "confirmation__confirmed_by")
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
    page = Paginator(items, PAGE_SIZE * 2).get_page(request.GET.get("page"))
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


@staff_required
@require_POST
def confirm_remittance(request, pk: int):
    remittance = _visible_remittance(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写实收金额"))
        return redirect("fees:remittance", pk=remittance.pk)
    try:
        confirmation = services.confirm_remittance(
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


@role_required("coordinator")
@require_POST
def cancel_remittance(request, pk: int):
    remittance = _visible_remittance(request, pk)
    form = CancelRemittanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回上交必须填写原因"))
        return redirect("fees:remittance", pk=remittance.pk)
    try:
        services.cancel_remittance(remittance=remittance, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已撤回这张上交单，其中的款项可重新上交"))
    except FeeError as exc:
        messages.error(request, exc.message)
    return redirect("fees:remittance", pk=remittance.pk)


# --- staff reconciliation and export ------------------------------------------------


@staff_required
def reconciliation(request):
    campaign = _campaign(request)
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
            "rejected_callbacks": selectors.rejected_callbacks_count(),
            "query": _campaign_query(campaign),
        },
    )


@role_required("coordinator")
def export(request):
    campaign = _campaign(request)
    stream = io.BytesIO()
    write_fee_report(campaign=campaign, user=request.user, stream=stream)
    filename = f"fees-{campaign.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(
        stream.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- payment platform callback ----------------------------------------------------


@csrf_exempt
def callback(request):
    if request.method != "POST":
        return JsonResponse({"status": "error", "code": "method", "error": _("只接受 POST")}, status=405)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"status": "error", "code": "too_large", "error": _("请求内容过大")}, status=413)
    outcome = handle_callback(
        body=body,
        signature=request.headers.get("X-Signature", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return JsonResponse(outcome.body, status=outcome.http_status, json_dumps_params={"ensure_ascii": False})
