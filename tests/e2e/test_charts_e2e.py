"""Issue 24 item 2: the charts span the campaign's own dates, start at zero, fit their labels,
speak the page's language, and say so when there is nothing to draw."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from tests.browser import logged_in_page
from tests.factories import make_campaign, make_college, make_user
from tests.fees.test_views import populate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")

READ = """(selector) => {
  const el = document.querySelector(selector);
  const plot = el._plot;
  if (!plot) return {empty: el.innerText.trim()};
  // uPlot draws its tick labels on the canvas: measure them with the axis's own font.
  const ctx = document.createElement("canvas").getContext("2d");
  const y = plot.axes[1];
  ctx.font = y.font[0];
  const widest = Math.max(...y._values.map(v => ctx.measureText(String(v)).width));
  return {
    x: [plot.scales.x.min, plot.scales.x.max], y: plot.scales.y.min,
    legend: [...el.querySelectorAll(".u-legend .u-label")].map(l => l.textContent.trim()),
    ticks: [plot.axes[0]._values.join(" "), y._values.join(" ")],
    fits: widest + y.gap + y.ticks.size <= y._size,
  };
}"""


def _epoch(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=SHANGHAI).timestamp()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_fee_chart_spans_the_campaign_from_zero_in_the_pages_language(browser, live_server, language):
    campaign = make_campaign(fee_per_person=200)  # captured 2020-11-26, CHSI due 2021-01-05
    college = make_college()
    with time_machine.travel(datetime.datetime(2020, 11, 26, 10, tzinfo=SHANGHAI), tick=True):
        populate(campaign, [college], 60)  # ¥12,000: six-character labels
    page = logged_in_page(browser, live_server, make_user(Role.STAFF))
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("fees:reconciliation") + f"?campaign={campaign.code}")
    page.wait_for_function("() => document.querySelector('[data-chart=fee-chart]')._plot")
    chart = page.evaluate(READ, "[data-chart=fee-chart]")

    assert chart["x"] == [_epoch(datetime.date(2020, 11, 26)), _epoch(datetime.date(2021, 1, 6))]
    assert chart["y"] == 0
    if language == "en":
        assert chart["legend"][:3] == ["Date", "Due (CNY)", "Received (CNY)"]
        assert "Dec" in chart["ticks"][0] and "月" not in chart["ticks"][0]
    else:
        assert chart["legend"][:3] == ["日期", "应收（元）", "已收（元）"]
        assert "12月" in chart["ticks"][0] and "Time" not in " ".join(chart["legend"])
    assert chart["fits"], chart["ticks"][1]  # "10,000" was drawn as "0,000"


def test_a_chart_with_nothing_yet_says_so(browser, live_server):
    campaign = make_campaign()
    page = logged_in_page(browser, live_server, make_user(Role.STAFF))
    page.goto(live_server.url + reverse("verification:index") + f"?campaign={campaign.code}")
    page.wait_for_selector("[data-chart=verification-chart] .chart-empty")
    assert "还没有数据" in page.evaluate(READ, "[data-chart=verification-chart]")["empty"]
