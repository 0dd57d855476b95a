"""The fee chart on the reconciliation page: charged and collected per day, the ledger's rule."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from fees.charts import fee_timeline
from sessions_app.models import College
from tests.factories import make_college, make_user

from .test_views import populate

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def test_fee_timeline_spans_the_campaigns_own_dates(campaign, college):
    with time_machine.travel(datetime.datetime(2020, 11, 26, 10, tzinfo=SHANGHAI)):
        populate(campaign, [college], 2)  # captured and paid on 2020-11-26; remittance due 2020-11-30
    data = fee_timeline(campaign=campaign, colleges=College.objects.all())
    first_day = datetime.datetime(2020, 11, 26, tzinfo=SHANGHAI)
    chsi_due = datetime.datetime(2021, 1, 6, tzinfo=SHANGHAI)  # 26 Nov + 40 days, to the end of that day
    assert data["span"] == [int(first_day.timestamp()), int(chsi_due.timestamp())]
    assert data["labels"]["x"] == "日期" and "还没有数据" in data["labels"]["empty"]


def test_fee_timeline_costs_two_queries_whatever_the_rows(campaign, django_assert_num_queries):
    colleges = [make_college(f"学院C{i}") for i in range(3)]
    populate(campaign, colleges, 3)
    with django_assert_num_queries(2):  # the ledger's grouped sums, and the campaign's capture days
        fee_timeline(campaign=campaign, colleges=College.objects.all())


def test_a_payment_outside_the_campaigns_dates_widens_the_span_rather_than_vanishing(campaign, college):
    with time_machine.travel(datetime.datetime(2021, 3, 1, 10, tzinfo=SHANGHAI)):
        populate(campaign, [college], 2)  # posted long after the CHSI window
    data = fee_timeline(campaign=campaign, colleges=College.objects.all())
    assert data["span"][1] == int(datetime.datetime(2021, 3, 1, tzinfo=SHANGHAI).timestamp())
