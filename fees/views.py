"""Fee pages per role. Thin: scope from sessions_app.scope, rules in services, reads in selectors."""

import datetime
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import role_required, staff_required
from core.redact import redact
from core.unavailable import RETRY_AFTER_SECONDS, drop_broken_connections, unavailable_code
from core.web import WIDE_PAGE_SIZE, next_url, paginate, parse_pk, wants_json
from intake import IntakeError
from intake.views import workbook_response
from jobs.views import confirm_check
from sessions_app.scope import get_visible_student_or_404, student_profile, visible_colleges, visible_students
from sessions_app.services import find_student

from . import jobkinds, selectors, services, views_remittance
from .callback import handle_callback
from .callback_errors import describe
from .cash_box import cash_box, cash_entries
from .forms import (
    COLLEGE_METHODS,
    ImportForm,
    MarkPaidForm,
    PaymentForm,
    RefundForm,
    ReverseForm,
    WaiverForm,
    new_key,
)
from .models import Entry
from .payment_import import payment_template
from .services import FeeError
from .view_helpers import campaign_from, campaign_query, college_filter, param

logger = logging.getLogger(__name__)


@login_required
def index(request):
    user = request.user
    if user.is_academic_staff:
        return views_remittance.reconciliation(request)
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


@role_required("coordinator")
def ledger(request):
    campaign = campaign_from(request)
    colleges, college_id = college_filter(request, campaign)
    class_name = param(request.GET, "class")
    only_unpaid = request.GET.get("unpaid") == "1"
    query = param(request.GET, "q", 32)
    rows = selectors.student_fee_rows(
        user=request.user,
        campaign=campaign,
        college_id=college_id,
        class_name=class_name,
        only_unpaid=only_unpaid,
        query=query,
    )
    page = paginate(request, rows, per_page=WIDE_PAGE_SIZE)
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
            "query": campaign_query(
                campaign, college=college_id, **{"class": class_name}, unpaid="1" if only_unpaid else "", q=query
            ),
            "figures": figures,
            "total": total,
            "mark_form": MarkPaidForm(),
            "unpaid_ids": unpaid_ids,
            # {n} and {amount} are filled in by fees.js from the ticked rows.
            "mark_paid_labels": {
                "confirm": _("为 {n} 人登记 ¥{amount}？登记后只能逐笔冲正。"),
                "none": _("请先勾选要标记为已缴的学生"),
            },
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
    """(student, card, error): the student typed or scanned, if this user may post for them.

    Someone outside the user's colleges gets the very answer a stranger gets: the page must not
    tell a coordinator that an ID number belongs to a student elsewhere, or whose it is.
    """
    identifier = (identifier or "").strip()[:64]
    if not identifier:
        return None, None, _("请输入或扫描学号")
    student, _method = find_student(campaign=campaign, identifier=identifier)
    if student is None or not visible_students(request.user, campaign).filter(pk=student.pk).exists():
        return None, None, _("在你负责的学院中没有找到“%(code)s”，请核对学号") % {"code": redact(identifier[:32])}
    account = selectors.account_for(student)
    card = _student_card(student, account, selectors.is_captured(student))
    return student, card, None


@role_required("coordinator")
@require_POST
def lookup(request):
    """By POST: the typed or swiped text may be an ID number, which must not land in access logs."""
    campaign = campaign_from(request)
    identifier = param(request.POST, "q")
    student, card, error = _lookup(request, campaign, identifier)
    if not wants_json(request):
        return _entry_page(request, campaign, identifier, student, card, error)
    if error:
        return JsonResponse({"ok": False, "error": error}, status=404)
    # The key is minted with the form the coordinator is about to submit, so resending it posts once.
    return JsonResponse({"ok": True, "student": card, "key": new_key()})


@role_required("coordinator")
def entry(request):
    """Keyboard-first payment entry: 学号 + Enter, amount prefilled, Enter confirms."""
    campaign = campaign_from(request)
    if request.method == "POST":
        return _post_payment(request, campaign)
    return _entry_page(request, campaign, "", None, None, None)


def _entry_page(request, campaign, identifier, student, card, error):
    form = None
    if student is not None:
        form = PaymentForm(initial={"student": student.pk, "amount": card["suggested"]})
    return render(
        request,
        "fees/entry.html",
        {
            "campaign": campaign,
            "q": redact(identifier) if error else "",
            "card": card,
            "form": form,
            "error": error,
            "methods": COLLEGE_METHODS,
            "cash_box": cash_box(actor=request.user, campaign=campaign),
            # The words fees.js shows, in the reader's language (no Chinese in the JS itself).
            "labels": {
                "captured": _("已采集"),
                "not_captured": _("未采集（可预缴一次）"),
                "paid_in_full": _("%(name)s 已缴清，无需再缴"),
                "network": _("网络错误，请重试"),
                "network_retry": _("网络错误：可直接再按一次回车重试，不会重复入账"),
                # Both plural forms: the count is known only in the browser.
                "entries_one": ngettext("%(n)s 笔", "%(n)s 笔", 1),
                "entries_many": ngettext("%(n)s 笔", "%(n)s 笔", 2),
            },
        },
    )


def _posted_by(request, form, name: str) -> dict:
    """Who posts, and the idempotency key of this form's submission (see services.client_key)."""
    return {
        "actor": request.user,
        "idempotency_key": services.client_key(
            user=request.user, form=name, token=form.cleaned_data["idempotency_key"]
        ),
    }


def _post_payment(request, campaign):
    form = PaymentForm(request.POST)
    student, posted, error = _try_payment(request, form, campaign)
    if error:
        if wants_json(request):
            return JsonResponse({"ok": False, "error": error}, status=400)
        messages.error(request, error)
        card = None
        if student is not None:
            card = _student_card(student, selectors.account_for(student), selectors.is_captured(student))
        return render(
            request,
            "fees/entry.html",
            {
                "campaign": campaign,
                "card": card,
                "form": form if card else None,
                "q": "",
                "methods": COLLEGE_METHODS,
                "cash_box": cash_box(actor=request.user, campaign=campaign),
            },
        )
    message = _payment_message(student, posted)
    if wants_json(request):
        account = selectors.account_for(student)
        return JsonResponse(
            {
                "ok": True,
                "created": posted.created,
                "message": message,
                "entry": posted.entry.pk,
                "student": _student_card(student, account, selectors.is_captured(student)),
                "cash_box": cash_box(actor=request.user, campaign=campaign).as_dict(),
            }
        )
    messages.success(request, message)
    return redirect(next_url(request, f"{reverse('fees:entry')}?{campaign_query(campaign)}"))


def _try_payment(request, form, campaign):
    """(student, posted, error): the student is known as soon as the form names one we may see."""
    if not form.is_valid():
        errors = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return None, None, _("请检查填写的内容：%(errors)s") % {"errors": errors}
    try:
        student = get_visible_student_or_404(request.user, form.cleaned_data["student"], campaign)
    except Http404:
        return None, None, _("没有这名学生，或其不属于你负责的学院")
    try:
        posted = services.post_payment(
            student=student,
            amount=form.cleaned_data["amount"],
            method=form.cleaned_data["method"],
            **_posted_by(request, form, "payment"),
            note=form.cleaned_data["note"],
        )
    except FeeError as exc:
        return student, None, exc.message
    return student, posted, None


def _payment_message(student, posted) -> str:
    entry = posted.entry
    if posted.created:
        return _("已登记：%(name)s（%(no)s）%(amount)s，%(method)s") % {
            "name": student.name,
            "no": student.student_no,
            "amount": services.money(entry.amount),
            "method": entry.get_method_display(),
        }
    return _("这笔缴费已登记过（%(name)s %(amount)s），本次未重复入账") % {
        "name": student.name,
        "amount": services.money(entry.amount),
    }


@role_required("coordinator")
def cash_box_print(request):
    """The day's cash box check, printable: every entry the user posted, per-method subtotals."""
    campaign = campaign_from(request)
    day = _day_param(request)
    box = cash_box(actor=request.user, campaign=campaign, day=day)
    entries = (
        cash_entries(actor=request.user, campaign=campaign, day=box.day)
        .select_related("account__student", "group_item__group")
        .order_by("posted_at", "id")
    )
    return render(
        request,
        "fees/cash_box.html",
        {"campaign": campaign, "box": box, "entries": entries, "query": campaign_query(campaign)},
    )


def _day_param(request):
    try:
        return datetime.date.fromisoformat(param(request.GET, "day"))
    except ValueError:
        return None


@role_required("coordinator")
@require_POST
def mark_paid(request):
    campaign = campaign_from(request)
    ids = [pk for pk in (parse_pk(v) for v in request.POST.getlist("students")) if pk]
    students = list(visible_students(request.user, campaign).filter(pk__in=ids).select_related("college"))
    form = MarkPaidForm(request.POST, student_ids=[s.pk for s in students])
    back = next_url(request, f"{reverse('fees:ledger')}?{campaign_query(campaign)}")
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
            **_posted_by(request, form, "mark_paid"),
            note=form.cleaned_data["note"],
            payer=form.cleaned_data["payer"],
        )
    except FeeError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if result.errors:
        messages.error(request, _("未登记任何缴费：") + "；".join(result.errors))
    elif result.group is not None:
        messages.success(
            request,
            ngettext(
                "已登记 %(payer)s 代缴 %(n)s 人，共 %(total)s，已分到每名学生",
                "已登记 %(payer)s 代缴 %(n)s 人，共 %(total)s，已分到每名学生",
                result.group.count,
            )
            % {"payer": result.group.payer, "n": result.group.count, "total": services.money(result.group.total)},
        )
    elif result.created:
        messages.success(
            request,
            ngettext("已登记 %(n)s 人缴费，共 %(total)s", "已登记 %(n)s 人缴费，共 %(total)s", len(result.created))
            % {"n": len(result.created), "total": services.money(result.total)},
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
                **_posted_by(request, form, "refund"),
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
                **_posted_by(request, form, "waiver"),
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
                reason=form.cleaned_data["reason"],
                **_posted_by(request, form, "reverse"),
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
    campaign = campaign_from(request)
    form = ImportForm()
    if request.method == "POST":
        try:
            form = ImportForm(request.POST, request.FILES)
            valid = form.is_valid()
        except RequestDataTooBig:
            valid = False
            messages.error(request, _("文件过大"))
        if valid:
            try:
                # Checked within this request when small, by a worker when not: the same job page.
                job = jobkinds.start_check(upload=form.cleaned_data["file"], campaign=campaign, user=request.user)
            except (FeeError, IntakeError) as exc:
                messages.error(request, exc.message)
            else:
                return redirect("jobs:detail", job_id=job.pk)
    return render(request, "fees/import.html", {"campaign": campaign, "form": form})


@role_required("coordinator")
@require_POST
def import_confirm_job(request, job_id):
    """Confirm what the check previewed: the import runs as a job of its own (inline for a small file)."""
    return confirm_check(
        request,
        job_id,
        flow=jobkinds.FLOW,
        expired=_("这次预览已失效（已导入、已取消或超过 2 小时）：请重新上传文件"),
    )


@role_required("coordinator")
def import_template(request):
    return workbook_response(payment_template(), "缴费导入模板.xlsx")


# --- payment platform callback ----------------------------------------------------


@csrf_exempt
def callback(request):
    if request.method != "POST":
        return JsonResponse({"status": "error", "code": "method", "error": _("只接受 POST")}, status=405)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"status": "error", "code": "too_large", "error": _("请求内容过大")}, status=413)
    try:
        outcome = handle_callback(
            body=body,
            signature=request.headers.get("X-Signature", ""),
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )
    except Exception as exc:
        code = unavailable_code(exc)
        if code is None:
            raise
        # The database blinked: nothing was posted (the payment's transaction rolled back) and
        # nothing could be logged. A 503 in the protocol's own shape makes the platform send it
        # again; the transaction id keeps a resent notice from posting twice.
        logger.warning("payment callback answered 503 (%s): %r", code, exc)
        drop_broken_connections()
        response = JsonResponse(
            {"status": "error", "code": code, "error": describe(code)},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse(outcome.body, status=outcome.http_status, json_dumps_params={"ensure_ascii": False})
