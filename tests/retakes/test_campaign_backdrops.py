"""Which backdrop colours pass is campaign data, edited in the admin (Campaign.photo_backgrounds)."""

from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import Campaign
from tests.factories import make_campaign, make_user


def test_a_new_campaign_allows_the_standard_blue(db):
    assert make_campaign(code="c1").photo_backgrounds == ["blue"]


def test_the_admin_offers_the_colours_as_boxes_and_saves_the_ticked_ones(client, db):
    campaign = make_campaign(code="c2")
    user = make_user(Role.STAFF, is_staff=True, is_superuser=True)
    client.force_login(user)
    page = client.get(reverse("admin:sessions_app_campaign_change", args=[campaign.pk])).content.decode()
    assert 'type="checkbox" name="photo_backgrounds" value="white"' in page
    assert "电子照片允许的背景色" in page

    request = RequestFactory().get("/")
    request.user = user
    form_class = admin.site._registry[Campaign].get_form(request, campaign)
    data = {f: getattr(campaign, f) for f in form_class.base_fields if hasattr(campaign, f)}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["photo_backgrounds"] = ["blue", "white"]
    form = form_class(data=data, instance=campaign)
    assert form.is_valid(), form.errors
    form.save()
    campaign.refresh_from_db()
    assert campaign.photo_backgrounds == ["blue", "white"]

    data["photo_backgrounds"] = []
    assert not form_class(data=data, instance=campaign).is_valid()
