"""Verification pages per role. Thin: scope from sessions_app.scope, rules in services, reads in selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import role_required, staff_required
from core.web import WIDE_PAGE_SIZE, filter_query, paginate, parse_pk
from intake.views import workbook_response
from jobs.views import confirm_check
from notifications.bulk import confirmation_page, confirmed
from sessions_app.campaigns import current_campaign
from sessions_app.phases import CampaignClosed
from sessions_app.scope import student_profile, visible_colleges, visible_students

from . import chsi_import, jobkinds, reminders, selectors, services
from .charts import verification_timeline
from .forms import ImportUploadForm, NoteForm, ReportForm, ResolveForm
from .jobkinds import start_remind_now, start_reminder_run
from .models import ESCALATED_TYPES, INSTRUCTIONS, ProblemReport, ProblemType, ReportStatus
from .services import VerificationError

# Lazy: built once at import, shown in each reader's language.
REPORT_FILTERS = [("open", gettext_lazy("未处理完")), *ReportStatus.choices, ("all", gettext_lazy("全部"))]


@login_required
def index(request):
    user = request.user
    if user.is_student:
        return _student_page(request)
    if user.is_academic_staff or user.is_coordinator or user.is_counselor:
        return _progress_page(request)
    raise PermissionDenied(_("网上校对页面不对采集点操作员开放"))


# --- student -------------------------------------------------------------------


def _own_profile(request):
    profile = student_profile(request.user)
    if profile is None:
        raise Http404(_("没有找到你的学生名单记录，请联系学院负责老师"))
    return profile


def _student_page(request, form: ReportForm | None = None, status: int = 200):
    profile = student_profile(request.user)
    context = {"student": profile, "form": form or ReportForm(), "instructions": _instructions()}
    if profile is not None:
        context.update(selectors.student_overview(student=profile))
        record = context["record"]
        if record is not None:
            left = services.days_left(due_date=record.due_date, today=timezone.localdate())
            context.update(days_left=left, overdue_days=-left if left < 0 else 0)
            context["can_withdraw"] = services.withdrawable(record) is None
    return render(request, "verification/student.html", context, status=status)


def _instructions():
    return [(value, label, INSTRUCTIONS[value], value in ESCALATED_TYPES) for value, label in ProblemType.choices]


@require_POST
@role_required("student")
def confirm(request):
    profile = _own_profile(request)
    if request.POST.get("checked") != "1":
        messages.error(request, _("请先勾选“我已登录学信网看过照片和本人学籍信息，确认无误”，再点确认"))
        return redirect("verification:index")
    try:
        services.confirm_verification(student=profile, actor=request.user)
    except VerificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已记录：你已在学信网核对确认。之后不会再收到校对提醒。"))
    return redirect("verification:index")


@require_POST
@role_required("student")
def withdraw(request):
    profile = _own_profile(request)
    try:
        services.withdraw_confirmation(student=profile, actor=request.user)
    except VerificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤回确认：请在截止日期前重新登录学信网核对后再确认。"))
    return redirect("verification:index")


@require_POST
@role_required("student")
def report(request):
    profile = _own_profile(request)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _student_page(request, form=form, status=400)
    try:
        services.report_problem(
            student=profile,
            problem_type=form.cleaned_data["problem_type"],
            description=form.cleaned_data["description"],
            actor=request.user,
        )
    except VerificationError as exc:
        form.add_error(None, str(exc))
        return _student_page(request, form=form, status=400)
    messages.success(request, _("已提交。请按下方提示处理，处理进度会显示在本页。"))
    return redirect("verification:index")


@require_POST
@role_required("student")
def close_report(request, pk):
    report = ProblemReport.objects.filter(pk=pk, student__user=request.user).first()
    if report is None:
        raise Http404(_("没有这条反馈，或你无权查看"))
    try:
        services.close_report_by_student(report=report, actor=request.user)
    except VerificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已标记为已解决"))
    return redirect("verification:index")


# --- staff, coordinators, counselors ----------------------------------------------


def _progress_page(request):
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    today = timezone.localdate()
    progress = selectors.college_progress(students=students, today=today)
    context = {
        "campaign": campaign,
        "progress": progress,
        "total": selectors.totals(progress),
        "open_reports": selectors.reports_for(students=students, status=ReportStatus.SUBMITTED).count(),
        "forwarded_reports": selectors.reports_for(students=students, status=ReportStatus.FORWARDED).count(),
        "query": urlencode({"campaign": campaign.code}),
        "today": today,
        "chart": verification_timeline(campaign=campaign, students=students),
    }
    return render(request, "verification/progress.html", context)


@require_POST
@staff_required
def send_reminders(request):
    """Staff send today's due reminder steps now instead of waiting for the daily beat: first the
    steps due and how many people, or why none is and when the next is; the confirmed form starts the job."""
    campaign = current_campaign(request)
    back = reverse("verification:index") + "?" + filter_query(campaign=campaign.code)
    try:
        plan = reminders.plan_reminder_run(campaign=campaign)
    except CampaignClosed as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if not confirmed(request) or not plan.count:
        return confirmation_page(request, plan=plan, campaign=campaign, back_url=back)
    job = start_reminder_run(campaign=campaign, user=request.user)
    return redirect("jobs:detail", job_id=job.pk)


@role_required("coordinator", "counselor")
def overdue(request):
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    college_id = parse_pk(request.GET.get("college"))
    colleges = list(visible_colleges(request.user)) if not request.user.is_counselor else []
    if college_id is not None:
        students = students.filter(college_id=college_id)
    today = timezone.localdate()
    page = paginate(request, selectors.overdue_records(students=students, today=today), per_page=WIDE_PAGE_SIZE)
    for record in page.object_list:
        record.overdue_days = (today - record.due_date).days
    query = filter_query(campaign=campaign.code, college=college_id)
    return render(
        request,
        "verification/overdue.html",
        {"campaign": campaign, "page": page, "colleges": colleges, "college_id": college_id, "query": query},
    )


def _unconfirmed_scope(request):
    campaign = current_campaign(request)
    students = visible_students(request.user, campaign)
    college_id = parse_pk(request.GET.get("college") or request.POST.get("college"))
    colleges = list(visible_colleges(request.user)) if not request.user.is_counselor else []
    if college_id is not None:
        students = students.filter(college_id=college_id)
    return campaign, students, college_id, colleges


@role_required("coordinator", "counselor")
def unconfirmed(request):
    """Not yet confirmed on CHSI, deadline still ahead (soonest first), with "remind these now"."""
    campaign, students, college_id, colleges = _unconfirmed_scope(request)
    today = timezone.localdate()
    records = selectors.unconfirmed_records(students=students, today=today)
    page = paginate(request, records, per_page=WIDE_PAGE_SIZE)
    done = reminders.reminded_today(record_ids=[r.pk for r in page.object_list], today=today)
    for record in page.object_list:
        record.days_left = (record.due_date - today).days
        record.reminded_today = record.pk in done
    return render(
        request,
        "verification/unconfirmed.html",
        {
            "campaign": campaign,
            "page": page,
            "colleges": colleges,
            "college_id": college_id,
            "query": filter_query(campaign=campaign.code, college=college_id),
        },
    )


@require_POST
@role_required("coordinator", "counselor")
def remind_unconfirmed(request):
    """ "Remind these now": first how many, which message and channels; the confirmed form starts the job."""
    campaign, students, college_id, _colleges = _unconfirmed_scope(request)
    back = reverse("verification:unconfirmed") + "?" + filter_query(campaign=campaign.code, college=college_id)
    try:
        plan = reminders.plan_remind_now(campaign=campaign, students=students)
    except CampaignClosed as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if not confirmed(request) or not plan.count:
        return confirmation_page(request, plan=plan, campaign=campaign, back_url=back, carry={"college": college_id})
    job = start_remind_now(campaign=campaign, user=request.user, college_id=college_id)
    return redirect("jobs:detail", job_id=job.pk)


@role_required("coordinator", "counselor")
def reports(request):
    campaign = current_campaign(request)
    status = request.GET.get("status") or "open"
    if status not in dict(REPORT_FILTERS):
        status = "open"
    students = visible_students(request.user, campaign)
    college_id = parse_pk(request.GET.get("college"))
    colleges = list(visible_colleges(request.user)) if not request.user.is_counselor else []
    if college_id is not None:
        students = students.filter(college_id=college_id)
    qs = selectors.reports_for(students=students, status=None if status == "all" else status)
    page = paginate(request, qs, per_page=WIDE_PAGE_SIZE)
    can_batch = request.user.is_coordinator or request.user.is_academic_staff
    for report in page.object_list:
        report.batchable = can_batch and report.forwardable
    return render(
        request,
        "verification/reports.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "filters": REPORT_FILTERS,
            "colleges": colleges if len(colleges) > 1 else [],
            "college_id": college_id,
            "batchable": any(r.batchable for r in page.object_list),
            "query": filter_query(campaign=campaign.code, status=status, college=college_id),
            "filter_query": filter_query(campaign=campaign.code, college=college_id),
        },
    )


@require_POST
@role_required("coordinator")
def forward_batch(request):
    """统一上报 the ticked reports (only ones this user may see) with one note."""
    campaign = current_campaign(request)
    ids = [pk for pk in (parse_pk(v) for v in request.POST.getlist("report")) if pk is not None]
    back = reverse("verification:reports") + "?" + filter_query(campaign=campaign.code, status="submitted")
    if not ids:
        messages.error(request, _("请先勾选要统一上报的问题"))
        return redirect(back)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    reports = list(
        ProblemReport.objects.filter(pk__in=ids[:500], student__in=visible_students(request.user, campaign)).order_by(
            "pk"
        )
    )
    forwarded, skipped = services.forward_reports(reports=reports, actor=request.user, note=note)
    skipped += len(ids) - len(reports)
    if forwarded:
        messages.success(
            request,
            ngettext("已统一上报 %(n)s 条问题到教务处", "已统一上报 %(n)s 条问题到教务处", forwarded)
            % {"n": forwarded},
        )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)s 条没有上报：它已不在“待学院处理”状态，或不需要上报",
                "%(n)s 条没有上报：它已不在“待学院处理”状态，或不需要上报",
                skipped,
            )
            % {"n": skipped},
        )
    return redirect(back)


def _visible_report_or_404(user, pk) -> ProblemReport:
    report = (
        ProblemReport.objects.filter(pk=pk, student__in=visible_students(user))
        .select_related("student__college", "campaign")
        .first()
    )
    if report is None:
        raise Http404(_("没有这条反馈，或你无权查看"))
    return report


@role_required("coordinator", "counselor")
def report_detail(request, pk):
    report = _visible_report_or_404(request.user, pk)
    return _report_page(request, report)


def _report_page(request, report, *, note_form=None, resolve_form=None, status=200):
    user = request.user
    can_forward = (user.is_coordinator or user.is_academic_staff) and report.forwardable
    return render(
        request,
        "verification/report_detail.html",
        {
            "report": report,
            "steps": report.steps.select_related("actor"),
            "instruction": INSTRUCTIONS.get(report.problem_type),
            "can_forward": can_forward,
            "can_resolve": user.is_academic_staff and report.status != ReportStatus.RESOLVED,
            "note_form": note_form or NoteForm(),
            "resolve_form": resolve_form or ResolveForm(),
        },
        status=status,
    )


@require_POST
@role_required("coordinator")
def forward(request, pk):
    report = _visible_report_or_404(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, note_form=form, status=400)
    try:
        services.forward_report(report=report, actor=request.user, note=form.cleaned_data["note"])
    except VerificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已上报教务处学籍管理老师"))
    return redirect("verification:report", pk=report.pk)


@require_POST
@staff_required
def resolve(request, pk):
    report = _visible_report_or_404(request.user, pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, resolve_form=form, status=400)
    try:
        services.resolve_report(report=report, actor=request.user, note=form.cleaned_data["note"])
    except VerificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已标记为处理完毕，学生会看到处理结果"))
    return redirect("verification:report", pk=report.pk)


@role_required("coordinator", "counselor")
def export(request):
    """Old address: the verification report is a background job on the one export page."""
    campaign = current_campaign(request)
    return redirect(reverse("export", args=["verification"]) + "?" + urlencode({"campaign": campaign.code}))


# --- CHSI status import (staff) ------------------------------------------------------


@staff_required
def import_status(request):
    campaign = current_campaign(request)
    context = {
        "campaign": campaign,
        "query": urlencode({"campaign": campaign.code}),
        "spellings": chsi_import.accepted_spellings(),
        "status_headers": chsi_import.status_headers(),
    }
    if request.method != "POST":
        return render(request, "verification/import.html", {**context, "form": ImportUploadForm()})

    form = ImportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            # Checked within this request when small, by a worker when not: the same job page.
            job = jobkinds.start_chsi_check(upload=form.cleaned_data["file"], campaign=campaign, user=request.user)
        except chsi_import.ChsiFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("jobs:detail", job_id=job.pk)
    return render(request, "verification/import.html", {**context, "form": form}, status=400)


@staff_required
@require_POST
def import_confirm_job(request, job_id):
    """Confirm what the check of a CHSI file previewed: the import is a job of its own (inline when small)."""
    return confirm_check(
        request,
        job_id,
        flow=jobkinds.CHSI_FLOW,
        expired=_("预览已过期或文件不存在，请重新上传"),
    )


@staff_required
def import_template(request):
    from intake.workbooks import template_workbook

    data = template_workbook(
        chsi_import.VOCABULARY,
        title=_("学信网校对状态"),
        notes=[_("校对状态可填：正确、信息有误、未校对（或 已确认、未确认）；“信息有误”会登记问题反馈")],
    )
    return workbook_response(data, "学信网校对状态导入模板.xlsx")
