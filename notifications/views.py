from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.web import paginate

from . import services
from .selectors import inbox_for


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
