"""The fee chart on the reconciliation page: charged and collected per day, the ledger's rule."""

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from fees.charts import fee_timeline
from sessions_app.models import College
from tests.factories import make_college, make_user

from .test_views import populate

pytestmark = pytest.mark.django_db


def test_fee_timeline_follows_the_ledger(campaign, college, other_college):
    populate(campaign, [college, other_college], 4)  # 8 captured × ¥17, half of them paid
    data = fee_timeline(campaign=campaign, colleges=College.objects.all())
    assert data["names"] == ["应收（元）", "已收（元）"]
    charged = sum(p[2] for p in data["points"] if p[1] == 0)
    collected = sum(p[2] for p in data["points"] if p[1] == 1)
    assert data["scale"] == 100 and all(isinstance(p[2], int) for p in data["points"])  # whole fen
    assert (charged, collected) == (8 * 1700, 4 * 1700)
    only_one = fee_timeline(campaign=campaign, colleges=College.objects.filter(pk=college.pk))
    assert sum(p[2] for p in only_one["points"] if p[1] == 1) == 2 * 1700


def test_reconciliation_page_draws_the_chart_from_static(client, campaign, college):
    populate(campaign, [college], 2)
    client.force_login(make_user(Role.STAFF))
    html = client.get(reverse("fees:reconciliation"), {"campaign": campaign.code}).content.decode()
    assert 'data-chart="fee-chart"' in html and "/static/vendor/uplot/uPlot.iife.min.js" in html
    payload = html.split('<script id="fee-chart" type="application/json">')[1].split("</script>")[0]
    assert sum(p[2] for p in json.loads(payload)["points"] if p[1] == 0) == 3400


def test_fee_timeline_costs_one_query(campaign, django_assert_num_queries):
    colleges = [make_college(f"学院C{i}") for i in range(3)]
    populate(campaign, colleges, 3)
    with django_assert_num_queries(1):
        fee_timeline(campaign=campaign, colleges=College.objects.all())
