"""The request plumbing every app's views share (accounts/web.py, templates/_pagination.html)."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.web import filter_query, next_url, paginate, parse_pk, query_without_page, wants_json

rf = RequestFactory()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"HTTP_ACCEPT": "application/json"}, True),
        ({"HTTP_ACCEPT": "text/html, application/json;q=0.9"}, True),
        ({"HTTP_X_REQUESTED_WITH": "fetch"}, True),
        ({"HTTP_ACCEPT": "text/html"}, False),
        ({}, False),
    ],
)
def test_one_wants_json_rule(headers, expected):
    assert wants_json(rf.post("/", **headers)) is expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/fees/ledger/?campaign=2021", "/fees/ledger/?campaign=2021"),
        ("/capture/students/3/", "/capture/students/3/"),
        ("https://evil.example/", "/home/"),
        ("//evil.example/", "/home/"),
        ("/fees/\x00\n", "/home/"),
        ("/" + "a" * 2001, "/home/"),
        ("", "/home/"),
        # A bare word is no path: redirect() would look it up as a URL name and fail (issue 25).
        ("%00", "/home/"),
        ("home", "/home/"),
        ("javascript:alert(1)", "/home/"),
        ("http://testserver/fees/", "/home/"),
    ],
)
def test_next_url_stays_on_this_site(target, expected):
    assert next_url(rf.post("/", {"next": target}), "/home/") == expected
    assert next_url(rf.get("/", {"next": target}), "/home/") == expected


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (7, 7), ("0", None), ("-1", None), ("x", None),
                                                  (None, None), (str(2**63), None), ("1e3", None)])  # fmt: skip
def test_parse_pk(value, expected):
    assert parse_pk(value) == expected


def test_paginate_gives_a_real_page_for_any_page_number():
    rows = list(range(120))
    assert paginate(rf.get("/", {"page": "2"}), rows).object_list == list(range(50, 100))
    assert paginate(rf.get("/", {"page": "abc"}), rows).number == 1
    assert paginate(rf.get("/", {"page": "999"}), rows).number == 3
    assert paginate(rf.get("/"), rows, per_page=200).paginator.num_pages == 1


def test_queries_for_the_pager_links():
    assert (
        query_without_page(rf.get("/", {"q": "张", "page": "3", "status": "captured"})) == "q=%E5%BC%A0&status=captured"
    )
    assert filter_query(campaign="2021", college=None, status="") == "campaign=2021"


def test_one_pager_for_people_and_for_rows():
    page = Paginator(list(range(120)), 50).get_page(2)
    people = render_to_string("_pagination.html", {"page": page, "query": "campaign=2021"})
    assert "第 2 / 3 页，共 120 人" in people
    assert 'href="?campaign=2021&amp;page=1"' in people and 'href="?campaign=2021&amp;page=3"' in people
    rows = render_to_string("_pagination.html", {"page": page, "query": "", "unit": "rows"})
    assert "共 120 条" in rows and 'href="?page=1"' in rows
    assert render_to_string("_pagination.html", {"page": Paginator([1], 50).get_page(1)}).strip() == ""
