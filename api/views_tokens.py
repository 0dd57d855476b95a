"""Staff page for API tokens: create (the key is shown on the answer page, once), list, revoke."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required

from .errors import ApiError
from .forms import TokenForm
from .models import ApiToken
from .services import create_token, revoke_token


@staff_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = create_token(
            actor=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            campaigns=form.cleaned_data["campaigns"],
            scopes=form.cleaned_data["scopes"],
            rate_per_minute=form.cleaned_data["rate_per_minute"],
        )
        # The key is on this page only: not in a message (a cookie), not in a redirect.
        response = render(request, "api/token_created.html", {"token": token, "key": key})
        add_never_cache_headers(response)
        return response
    tokens = ApiToken.objects.prefetch_related("campaigns").select_related("created_by", "revoked_by")
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens})


@staff_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    try:
        revoke_token(actor=request.user, token=token)  # type: ignore[arg-type]
    except ApiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已吊销令牌 %(name)s，使用它的请求将被拒绝") % {"name": token.name})
    return redirect("api_tokens")
