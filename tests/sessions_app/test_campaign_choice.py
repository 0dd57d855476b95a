"""Several campaigns at once: each role's pages open on the one in progress within its scope, a
switcher reaches the others and is remembered, and making a campaign changes nobody's pages."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent, Role
from retakes.models import RetakeRequest
from sessions_app.campaigns import current_campaign, default_campaign
from sessions_app.cloning import clone_campaign
from sessions_app.models import Campaign, Phase
from sessions_app.phases import campaign_phases
from sessions_app.services import PhaseError, set_campaign_phase
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db

D = datetime.date
# This year's capture day; last year's retakes are still open (CLOSING), next year's is being made.
TODAY = D(2026, 11, 26)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.UTC), tick=False):
        yield


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def year():
    """Last year's campaign (retakes until spring) and this year's (shot today), one college."""
    college = make_college("经济管理学院")
    last = make_campaign(code="2026", name="2026届", phase_override="", retake_deadline=D(2027, 3, 31))
    make_audience(make_slot(last, date=D(2025, 11, 27)), college=college)
    this = make_campaign(code="2027", name="2027届", phase_override="", remittance_deadline=D(2026, 11, 30))
    make_audience(make_slot(this, date=TODAY), college=college)
    counselor = make_user(Role.COUNSELOR)
    old = make_student(last, college, name="去年补拍", counselor=counselor)
    make_student(this, college, name="今年学生", counselor=counselor)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(college)
    RetakeRequest.objects.create(
        campaign=last, student=old, reason="missed_shoot", channel="central", created_by=counselor
    )
    return {"last": last, "this": this, "college": college, "coordinator": coordinator, "counselor": counselor}


def test_phases_in_one_query(year, django_assert_num_queries):
    with django_assert_num_queries(1):
        phases = campaign_phases([year["last"], year["this"]])
    assert phases == {year["last"].pk: Phase.CLOSING, year["this"].pk: Phase.LIVE}


def test_cloning_next_year_changes_no_ones_default(year):
    staff = make_user(Role.STAFF)
    new = clone_campaign(source=year["this"], code="2028", name="2028届", capture_day=D(2027, 11, 25), actor=staff)
    make_student(new, year["college"], name="明年学生", counselor=year["counselor"])
    for user in (staff, year["coordinator"], year["counselor"], None):
        assert default_campaign(user) == year["this"], user
    assert campaign_phases([new])[new.pk] == Phase.PREPARING


def test_a_coordinator_is_not_sent_to_a_newer_campaign_outside_their_colleges(year):
    other = make_campaign(code="x", phase_override="")
    make_audience(make_slot(other, date=TODAY), college=make_college("外国语学院"))
    assert default_campaign(year["coordinator"]) == year["this"]
    assert default_campaign(make_user(Role.STAFF)) == other  # both live: the newer


def test_the_switcher_is_remembered_for_its_user_only(client, year):
    client.force_login(year["coordinator"])
    page = text(client.get(reverse("sessions_app:college_overview")))
    assert "2027届（进行中）" in page and "2026届（收尾）" in page
    assert "今年学生" in page and "去年补拍" not in page

    response = client.post(
        reverse("sessions_app:switch_campaign"),
        {"campaign": "2026", "next": reverse("sessions_app:college_overview") + "?campaign=2027&college=1"},
    )
    assert response["Location"] == reverse("sessions_app:college_overview") + "?college=1"
    page = text(client.get(reverse("sessions_app:college_overview")))
    assert "去年补拍" in page and "今年学生" not in page

    other = make_user(Role.COORDINATOR)
    other.colleges.add(year["college"])
    client.force_login(other)
    assert "今年学生" in text(client.get(reverse("sessions_app:college_overview")))


def test_the_switcher_offers_only_the_campaigns_of_the_users_scope(client, year):
    outside = make_campaign(code="x", phase_override="")
    client.force_login(year["coordinator"])
    assert client.post(reverse("sessions_app:switch_campaign"), {"campaign": outside.code}).status_code == 404
    assert client.post(reverse("sessions_app:switch_campaign"), {"campaign": "2026"}).status_code == 302


def test_the_switcher_is_not_shown_to_whoever_sees_one_campaign(client, year):
    lone = make_user(Role.COORDINATOR)
    lone.colleges.add(make_college("外国语学院"))
    client.force_login(lone)
    assert 'data-testid="campaign-switch"' not in client.get(reverse("sessions_app:college_overview")).content.decode()


def test_a_counselor_sees_last_years_open_retakes_beside_this_years_work(client, year):
    client.force_login(year["counselor"])
    page = client.get(reverse("sessions_app:counselor_students")).content.decode()
    assert "今年学生" in page
    work = re.search(r'data-testid="other-campaign-work">(.*?)</span>', page, re.S).group(1)
    assert "2026届（收尾）" in work and "未完成的补拍 1" in work
    assert reverse("retakes:index") + "?campaign=2026&amp;status=open" in work

    client.force_login(year["coordinator"])
    page = client.get(reverse("sessions_app:college_overview")).content.decode()
    assert "未完成的补拍 1" in page


def test_only_staff_set_a_phase_with_a_reason_and_it_is_audited(year):
    campaign = year["last"]
    with pytest.raises(PhaseError) as refused:
        set_campaign_phase(actor=year["coordinator"], campaign=campaign, phase=Phase.CLOSED, reason="x")
    assert refused.value.code == "staff_only"
    staff = make_user(Role.STAFF)
    with pytest.raises(PhaseError) as refused:
        set_campaign_phase(actor=staff, campaign=campaign, phase=Phase.CLOSED, reason="  ")
    assert refused.value.code == "reason_required"
    assert not AuditEvent.objects.filter(action="campaign.phase").exists()

    set_campaign_phase(actor=staff, campaign=campaign, phase=Phase.CLOSED, reason="补拍已全部完成")
    assert Campaign.objects.get(pk=campaign.pk).phase_override == Phase.CLOSED
    event = AuditEvent.objects.get(action="campaign.phase")
    assert event.data["from"] == "closing" and event.data["to"] == "closed"
    assert event.summary == "批次阶段由“收尾”设为“已结束”，原因：补拍已全部完成"


def test_the_admin_asks_why_before_a_phase_changes(client, year):
    admin = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:sessions_app_campaign_change", args=[year["this"].pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, datetime.datetime))}
    data.update(
        {
            "identification_methods": form.initial["identification_methods"],
            "photo_backgrounds": form.initial["photo_backgrounds"],
            "phase_override": "closed",
            "remittance_deadline": "2026-11-30",
            "retake_deadline": "",
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200 and "请写明设定阶段的原因" in refused.content.decode()
    assert Campaign.objects.get(pk=year["this"].pk).phase_override == ""

    assert client.post(url, {**data, "phase_reason": "本届提前结束"}).status_code == 302
    assert Campaign.objects.get(pk=year["this"].pk).phase_override == "closed"
    assert AuditEvent.objects.get(action="campaign.phase").data["reason"] == "本届提前结束"


def test_the_clone_form_says_what_will_happen(client, year):
    client.force_login(make_user(Role.STAFF))
    page = text(client.get(reverse("sessions_app:campaign_clone") + "?campaign=2027"))
    assert "其他人看到的批次不变" in page


def test_a_named_campaign_wins_over_the_remembered_one(rf, year):
    request = rf.get("/", {"campaign": "2026"})
    request.user, request.session = year["coordinator"], {"campaign_choice": year["this"].pk}
    assert current_campaign(request) == year["last"]
    request = rf.get("/")
    request.user, request.session = year["coordinator"], {"campaign_choice": year["last"].pk}
    assert current_campaign(request) == year["last"]
