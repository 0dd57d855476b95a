"""The privacy notice (students and staff), a student's own data as a file, and staff erasing one
student on request."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from sessions_app.models import Campaign
from sessions_app.scope import get_visible_student_or_404, student_profile

from . import selectors, services
from .forms import EraseStudentForm


@require_GET
@login_required
def notice(request):
    student = student_profile(request.user)
    if student is not None:
        campaigns = [student.campaign]
    elif request.user.is_student:
        campaigns = []
    else:
        campaigns = list(Campaign.objects.order_by("-created_at")[:20])
    return render(
        request,
        "privacy/notice.html",
        {"student": student, "retentions": [selectors.retention(c) for c in campaigns]},
    )


@require_GET
@login_required
def my_data(request):
    student = student_profile(request.user)
    if student is None:
        return render(request, "privacy/notice.html", {"student": None, "retentions": []}, status=404)
    body = json.dumps(selectors.student_data(student), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{student.campaign.code}.json"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def erase_student(request, student_id: int):
    student = get_visible_student_or_404(request.user, student_id)
    form = EraseStudentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase_student(student=student, actor=request.user, reason=form.cleaned_data["reason"])
        except services.PrivacyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已删除 %(name)s 的个人信息") % {"name": student.name})
            return redirect("sessions_app:student_detail", student_id=student.pk)
    return render(
        request,
        "privacy/erase_student.html",
        {"student": student, "form": form, "balance": services.fee_balance(student)},
    )
