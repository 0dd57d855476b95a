"""The campus single sign-on page (/accounts/cas/login/): django-cas-ng's login view, refusing in Chinese.

The identity service sends the browser back here with a ticket; `campus_login.CampusCasBackend`
checks it and finds the account. Its single logout (a SAML logoutRequest POSTed here by the
identity service when the person logs out there) ends the session here too.
"""

from cas import SingleLogoutMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng import views as cas_views
from django_cas_ng.utils import get_cas_client

from core.web import next_url

from .campus_login import BAD_TICKET, REFUSAL_ATTRIBUTE, CampusMatch, cas_enabled, contacts


class CampusLoginView(cas_views.LoginView):
    # The identity service's single logout POSTs here without a CSRF token (as the base view allows).
    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        if not cas_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        # django-cas-ng 5.1.1 redirects to `next` unchecked after a login: an off-site `next`
        # would make this an open redirect. It is dropped here, before the service URL (which
        # carries it, and must be the same when the ticket is checked) is built.
        wanted = request.GET.get("next")
        if wanted is not None and next_url(request, "") != wanted:
            query = request.GET.copy()
            del query["next"]
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        try:
            return super().get(request)
        except PermissionDenied:
            match = getattr(request, REFUSAL_ATTRIBUTE, None) or CampusMatch(identity="", refusal=BAD_TICKET)
            return refused(request, match)

    def post(self, request):
        logout_request = request.POST.get("logoutRequest")
        if not logout_request:
            return HttpResponseRedirect(request.path)  # a stray POST: start the login as a GET would
        # Anyone can POST here: what is not a SAML logoutRequest is refused before django-cas-ng
        # iterates over its parse (None for bad XML, a TypeError there: a 500).
        if SingleLogoutMixin.get_saml_slos(logout_request) is None:
            return HttpResponseBadRequest("bad logoutRequest\n", content_type="text/plain")
        # Single logout in CAS 2 as in 3 (django-cas-ng handles it only for a CAS 3 client):
        # the session that holds the named ticket is deleted.
        cas_views.clean_sessions(SingleLogoutMixin, request)
        return HttpResponse("ok\n", content_type="text/plain")


def refused(request, match: CampusMatch) -> HttpResponse:
    """Why the campus identity was not let in, and whom to contact; 403."""
    retry = reverse("cas:login") + "?" + urlencode({"next": next_url(request, "/")})
    # Logging out at the identity service too, so that someone else can log in on this browser.
    login_page = request.build_absolute_uri(reverse("accounts:login"))
    context = {
        "reason": match.refusal,
        "identity": match.identity,
        "contacts": contacts(match.campaign_ids or None),
        "retry_url": retry,
        "cas_logout_url": get_cas_client(request=request).get_logout_url(login_page),
    }
    return render(request, "accounts/cas_refused.html", context, status=403)
