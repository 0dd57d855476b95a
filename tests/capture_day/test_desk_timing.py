"""The desk says where its slot stands against the clock and which slot of its group runs now,
on the page and in the counts it polls (金石滩第一组: 经管 08:30-09:50, 计算机 09:50-11:00)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import CAPTURE_DAY

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def at(clock: str, day: datetime.date = CAPTURE_DAY):
    moment = datetime.datetime.combine(day, datetime.time.fromisoformat(clock), tzinfo=ZoneInfo("Asia/Shanghai"))
    return time_machine.travel(moment, tick=False)


def timing_line(html: str) -> str:
    line = re.search(r'<div id="slot-timing".*?</div>', html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", line)).strip()


@pytest.fixture
def operator_client(client, world):  # noqa: F811
    client.force_login(world.operator)
    return client


def test_before_the_slot_the_desk_says_when_it_starts(operator_client, world):  # noqa: F811
    with at("07:45"):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_cs.pk])).content.decode()
    assert timing_line(html) == "本时段尚未开始（09:50 开始） 本组下一个时段：08:30-09:50"
    assert f'href="{reverse("capture_day:desk", args=[world.slot_econ.pk])}"' in html


def test_the_next_slots_desk_names_the_one_running_with_a_link(operator_client, world):  # noqa: F811
    with at("09:00"):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_cs.pk])).content.decode()
    assert timing_line(html) == "本时段尚未开始（09:50 开始） 本组正在进行：08:30-09:50"
    assert f'href="{reverse("capture_day:desk", args=[world.slot_econ.pk])}"' in html


def test_the_running_slot_says_when_it_ends_and_links_nowhere(operator_client, world):  # noqa: F811
    with at("09:00"):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert timing_line(html) == "本时段正在进行（09:50 结束）"
    assert 'data-field="timing-link" href="#" hidden' in html


def test_an_ended_slot_says_so_and_points_to_the_running_one(operator_client, world):  # noqa: F811
    with at("10:00"):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert timing_line(html) == "本时段已结束 本组正在进行：09:50-11:00"


def test_after_the_day_every_slot_has_ended(operator_client, world):  # noqa: F811
    with at("15:00"):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_cs.pk])).content.decode()
    assert timing_line(html) == "本时段已结束"


def test_a_day_before_the_desk_gives_the_date(operator_client, world):  # noqa: F811
    with at("09:00", CAPTURE_DAY - datetime.timedelta(days=1)):
        html = operator_client.get(reverse("capture_day:desk", args=[world.slot_econ.pk])).content.decode()
    assert timing_line(html).startswith("本时段尚未开始（11月26日 08:30 开始）")


def test_the_polled_counts_carry_the_change_when_the_slot_ends(operator_client, world):  # noqa: F811
    url = reverse("capture_day:desk_counts", args=[world.slot_econ.pk])
    with at("09:49"):
        before = operator_client.get(url, **JSON).json()["timing"]
    with at("09:50"):
        after = operator_client.get(url, **JSON).json()["timing"]
    assert before == {"text": "本时段正在进行（09:50 结束）", "link": "", "url": ""}
    assert after == {
        "text": "本时段已结束",
        "link": "本组正在进行：09:50-11:00",
        "url": reverse("capture_day:desk", args=[world.slot_cs.pk]),
    }


def test_the_desk_index_marks_each_slot(operator_client, world):  # noqa: F811
    with at("10:00"):
        html = operator_client.get(reverse("capture_day:desk_index")).content.decode()
    assert re.search(r"08:30-09:50</td><td[^>]*>已结束<", html)
    assert re.search(r"09:50-11:00</td><td[^>]*>进行中<", html)


def test_the_desk_script_fills_the_timing_from_the_poll_with_text_only():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static/js/capture_day/desk.js").read_text()
    body = script.split("function showTiming(timing) {")[1].split("\n  }\n")[0]
    assert "textContent = timing.text" in body and "innerHTML" not in body
    assert "showTiming(data.timing)" in script
