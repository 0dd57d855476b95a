"""Campus single sign-on (统一身份认证, CAS 2.0/3.0 through django-cas-ng): who a campus identity is here.

Here, not in accounts: a student is recognised by the roster of the current campaigns. The
identity service says only "this is 学工号 X"; X is matched to an account that already exists
(staff, coordinators, counselors and desk operators by username; students by student number on
the roster of a campaign that has not ended, and an account they activated). Nobody is given
an account by logging in: an identity that matches nobody is refused with the people to contact.
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest
from django_cas_ng.utils import get_cas_client

from accounts.audit import record_event
from accounts.models import Role, User
from core.redact import redact

from .models import Campaign, Student
from .phases import is_closed

logger = logging.getLogger(__name__)

# Why a campus identity was not let in (the refusal page words each one).
BAD_TICKET = "bad_ticket"  # the identity service did not confirm the ticket (expired, reused, forged)
UNAVAILABLE = "cas_unavailable"  # the identity service could not be reached or answered nonsense
NO_IDENTITY = "no_identity"  # confirmed, but without the attribute that holds the 学工号
UNKNOWN = "unknown"  # nobody here has this 学工号 (or their campaign has ended)
NOT_ACTIVATED = "not_activated"  # on a current roster, but the student has no account yet
INACTIVE = "inactive"  # the account is switched off

REFUSAL_ATTRIBUTE = "campus_login_refusal"  # set on the request by the backend, read by the view


def cas_enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


@dataclass(frozen=True)
class CampusMatch:
    identity: str
    user: User | None = None
    refusal: str = ""
    campaign_ids: list[int] = field(default_factory=list)


def current_campaign_ids(*, today: datetime.date | None = None) -> list[int]:
    """Campaigns that have not ended (preparing, live or closing): a student of one may log in."""
    return [c.pk for c in Campaign.objects.order_by("-created_at") if not is_closed(c, today=today)]


def match_campus_identity(*, identity: str, today: datetime.date | None = None) -> CampusMatch:
    """The existing account a campus identity (学工号) names, or why there is none."""
    identity = "".join((identity or "").split())
    if not identity:
        return CampusMatch(identity="", refusal=NO_IDENTITY)
    users = get_user_model().objects
    # Staff of every kind by username: they have no roster row (and superusers whatever their role).
    staff = users.filter(username=identity).filter(~Q(role=Role.STUDENT) | Q(is_superuser=True)).first()
    if staff is not None:
        return CampusMatch(identity=identity, user=staff, refusal="" if staff.is_active else INACTIVE)
    campaign_ids = current_campaign_ids(today=today)
    if not Student.objects.filter(student_no=identity, campaign_id__in=campaign_ids).exists():
        return CampusMatch(identity=identity, refusal=UNKNOWN, campaign_ids=campaign_ids)
    # The account a student activated: linked to one of their roster rows (any year's: Student.user
    # is one-to-one, so a student on two rosters has it on one), or named by the number.
    student_user = (
        users.filter(role=Role.STUDENT)
        .filter(Q(student_profile__student_no=identity) | Q(username=identity))
        .order_by("-is_active", "pk")
        .first()
    )
    if student_user is None:
        return CampusMatch(identity=identity, refusal=NOT_ACTIVATED, campaign_ids=campaign_ids)
    refusal = "" if student_user.is_active else INACTIVE
    return CampusMatch(identity=identity, user=student_user, refusal=refusal, campaign_ids=campaign_ids)


def contacts(campaign_ids: list[int] | None = None) -> list[tuple[str, str]]:
    """Whom a refused person should call: the contact of each current campaign, once each."""
    ids = current_campaign_ids() if campaign_ids is None else campaign_ids
    rows = Campaign.objects.filter(pk__in=ids).exclude(contact_name="", contact_phone="").order_by("-created_at")
    seen: list[tuple[str, str]] = []
    for name, phone in rows.values_list("contact_name", "contact_phone"):
        if (name, phone) not in seen:
            seen.append((name, phone))
    return seen


def identity_from(username: str | None, attributes: dict[str, Any] | None) -> str | None:
    """The 学工号 in a confirmed ticket: the CAS user, or the attribute CAS_USERNAME_ATTRIBUTE names."""
    attribute = settings.CAS_USERNAME_ATTRIBUTE
    if attribute == "cas:user":
        return username
    value = (attributes or {}).get(attribute)
    if isinstance(value, list):  # a multi-valued attribute: the first value
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _refuse(request: HttpRequest | None, code: str, match: CampusMatch | None = None) -> None:
    if request is not None:
        setattr(request, REFUSAL_ATTRIBUTE, match or CampusMatch(identity="", refusal=code))


class CampusCasBackend(ModelBackend):
    """Checks a CAS service ticket with the identity service and returns the matching account.

    Only `authenticate(request, ticket=, service=)` (django-cas-ng's login view) reaches it; the
    local login form's username and password never do, so the form's throttle guards every
    password. Never creates a user (django-cas-ng's own backend would with CAS_CREATE_USER).
    """

    # No **kwargs: Django skips a backend whose signature does not take the credentials given,
    # so the local form's username and password are never handed to this one.
    def authenticate(  # type: ignore[override]  # ModelBackend's takes username and password
        self, request: HttpRequest | None, ticket: str | None = None, service: str | None = None
    ) -> User | None:
        if not ticket or not service or not cas_enabled():
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        # CASError is a ValueError, ElementTree's ParseError a SyntaxError; an empty or odd XML
        # document fails on indexing or a missing <cas:user>.
        except (requests.RequestException, ValueError, SyntaxError, IndexError, AttributeError) as exc:
            logger.warning("CAS ticket validation failed: %s", type(exc).__name__)
            _refuse(request, UNAVAILABLE)
            return None
        if not username:
            _refuse(request, BAD_TICKET)
            return None
        identity = identity_from(username, attributes)
        if not identity:
            match = CampusMatch(identity=username, refusal=NO_IDENTITY)
        else:
            match = match_campus_identity(identity=identity)
        if match.user is None or match.refusal:
            record_event(
                actor=None,
                action="account.cas_refused",
                data={"identity": redact(match.identity), "reason": match.refusal},
            )
            _refuse(request, match.refusal, match)
            return None
        record_event(
            actor=match.user, action="account.cas_login", obj=match.user, data={"identity": redact(match.identity)}
        )
        return match.user
