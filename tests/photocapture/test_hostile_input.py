"""Every page and form each role can reach, sent a NUL byte or a crafted `next`: 400 or a safe
redirect, never a 500 (issue 25: NUL answered 500 in counselor creation and the retake search on
PostgreSQL, a crafted `next` after a payment was posted).

The walk starts at each role's home page, follows the links the pages show, and submits every form
it finds twice: once with a NUL in every field (the answer must be 400 whatever the database, so
this fails on SQLite too) and once as filled in, with each crafted `next` (a 500 fails the test,
the test client re-raises it; a redirect must stay on this site)."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import resolve, reverse

from demo.run import seed_demo
from demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

CRAFTED_NEXT = [
    "/fees/\x00",
    "/\r\nSet-Cookie: a=b",
    "http://[",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\\evil.example",
    "/" + "a" * 5000,
    "/\u2028x",
    "%00",
]
# Links the walk does not follow: leaving (logout, the language switch), the admin (Django's own
# pages), files (exports start jobs and answer downloads) and the desk's offline scripts.
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/admin/", "/static/", "/media/", "/exports/", "/healthz")
MAX_PAGES = 120


class _Forms(HTMLParser):
    """The links and forms of a page, with each field's value as the page fills it in."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value") or ""])
        elif tag == "select":
            self._select = a["name"]
            self._form["fields"].append([a["name"], None])
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"].append([a["name"], ""])
        elif tag == "option" and self._select is not None:
            field = self._form["fields"][-1]
            if field[1] is None or "selected" in a:
                field[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _local(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or "download" in parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _fields(form: dict) -> list[tuple[str, str]]:
    return [(name, value or "") for name, value in form["fields"] if name != "csrfmiddlewaretoken"]


def _send(client, form: dict, page: str, data: list[tuple[str, str]]):
    target = urljoin(page, form["action"] or page)
    path = urlsplit(target).path
    if form["method"] == "post":
        query = dict(parse_qsl(urlsplit(target).query))
        return client.post(path + (f"?{urlsplit(target).query}" if query else ""), _as_dict(data))
    return client.get(path, _as_dict(data))


def _as_dict(data: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in data:
        out.setdefault(name, []).append(value)
    return out


def _assert_stays_here(response, where: str):
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        assert location.netloc in ("", "testserver"), f"{where} redirected off the site: {response['Location']}"
        assert "\n" not in response["Location"] and "\x00" not in response["Location"], where


DEMO_TIME = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _walk(client, username: str) -> dict[str, _Forms]:
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    seen: dict[str, _Forms] = {}
    queue = [client.get("/", follow=True).request["PATH_INFO"]]
    shapes: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        # Two pages of each shape (/retakes/7/ is /retakes/N/ with its filters dropped) are enough.
        shape = re.sub(r"\d+", "N", urlsplit(url).path)
        if url in seen or shapes.get(shape, 0) >= 2:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _parse(response.content.decode())
        seen[url] = page
        queue += [u for u in (_local(url, href) for href in page.links) if u and u not in seen]
    return seen


def test_nul_and_crafted_next_answer_400_or_a_safe_redirect(client):
    # The demo places this year's slots around the clock: a fixed hour, whatever the hour it runs.
    with time_machine.travel(DEMO_TIME, tick=True):
        summary = seed_demo(with_captures=True, size=0.03)
        for who in ("jwc", "coord_cs", "counselor_cs", "desk_jst1", summary.logins[-2][1]):
            client.logout()
            _walk_and_poison(client, who)


def _walk_and_poison(client, who: str):
    if True:
        pages = _walk(client, who)
        assert len(pages) >= 2, f"{who} reached no page"
        forms_sent = 0
        for url, page in pages.items():
            # A search or filter read from the query, and a `next` on a plain page.
            response = client.get(urlsplit(url).path, {"q": "a\x00b", "next": "/\x00"})
            assert response.status_code == 400, f"{who} GET {url} with NUL: {response.status_code}"
            for form in page.forms:
                data = _fields(form)
                target = urlsplit(urljoin(url, form["action"] or url)).path
                if not data or target.startswith(SKIP_PREFIXES):
                    continue
                forms_sent += 1
                poisoned = [(name, f"{value}\x00") for name, value in data] + [("next", "/\x00")]
                response = _send(client, form, url, poisoned)
                where = f"{who} {form['method'].upper()} {target} (from {url})"
                if getattr(resolve(target).func, "csrf_exempt", False):
                    # An upload reads its own body (its size limit comes first): its own answer.
                    assert response.status_code != 500, where
                else:
                    assert response.status_code == 400, f"{where} with NUL: {response.status_code}"
                    assert "无效字符" in response.content.decode()
                for crafted in CRAFTED_NEXT:
                    if "\x00" in crafted:
                        continue
                    response = _send(client, form, url, [*data, ("next", crafted)])
                    assert response.status_code != 500, where
                    _assert_stays_here(response, f"{where} next={crafted[:20]!r}")
        assert forms_sent >= 1, f"{who}: the walk found no form"
