"""Issues 13 item 7 and 24 item 3: every page reads as one product, in both languages.

Logs in as each demo role, in Chinese and then in English (the header's switch sets the
`django_language` cookie), follows the links of its pages (same origin, GET only, every page
shape it can reach), adds a 404 page and, for staff, every admin changelist and add page, and
reads each page's visible text (no tags, scripts, styles or attributes). A leak is:
- anywhere, a raw code shown as is (`student_no`, `id_card`, `export`, `verification:2:1`);
- in zh-hans, an ASCII word (an untranslated verbose_name, Django's own English), unless it is a
  URL, an ID-like token, a unit, an amount or a name the allow-list knows;
- in English, Chinese text or full-width punctuation (：，；？！、。（）) that is not data (the
  names, notes and addresses people typed, which stay as typed in either language).
"""

import datetime
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from demo.run import seed_demo
from demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ("jwc", "coord_cs", "counselor_cs", "desk_jst1")  # and the demo's student, added below
MAX_DEPTH = 6
MAX_PAGES_PER_ROLE = 250

# Words that are right on a Chinese page: products, formats, standards and units named in
# Latin letters by everyone, the header's language switch (English named in English), and codes
# a person types (the commands' names are commands).
ALLOWED = {
    # the language switch names each language in itself
    "English",
    # products, formats, standards
    "CHSI",
    "Excel",
    "WPS",
    "JPEG",
    "JPG",
    "PNG",
    "JSON",
    "CSV",
    "HTML",
    "PDF",
    "RGB",
    "Enter",
    "Esc",
    "Tab",
    "xlsx",
    "xls",
    "xlsm",
    "ods",
    "csv",
    "jpg",
    "jpeg",
    "png",
    "zip",
    "UTF",
    "BOM",
    "GBK",
    "GB",
    "ISO",
    "Celery",
    "Redis",
    "PostgreSQL",
    "SMS",
    "IP",
    "ID",
    "URL",
    "HTTP",
    "HTTPS",
    "JS",
    "Chrome",
    "XH",
    "XM",
    "SFZH",  # CHSI's field codes, quoted as CHSI names them
    "BH",
    "CC",
    "XB",
    "XQ",
    "YXMC",
    "ZYMC",
    # keys Django's Chinese names as they are printed on the keyboard
    "Control",
    "Command",
    "Mac",
    # units
    "px",
    "KB",
    "MB",
    "dpi",
    "DPI",
    "mm",
    "cm",
    "am",
    "pm",
    # the commands and options the pages name (typed as is)
    "import_roster",
    "dry",
    "run",
    "python",
    "manage",
    "py",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
# Tokens that are data, not words: URLs and addresses, e-mail, anything with a digit (student
# numbers, codes like S2021001, 2020-11-26), file names with an extension.
DATA = re.compile(r"\S*(?:://|www\.|@)\S*|\S*\d\S*|\S+\.(?:xlsx|xls|csv|jpg|jpeg|png|ods)\b")


class _Text(HTMLParser):
    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self, language: str = "zh-hans"):
        super().__init__(convert_charrefs=True)
        self.parts, self.links, self._skipping = [], [], 0
        self.language = language.split("-")[0]
        # An element marked lang="..." in another language (the switch naming each language in
        # itself, the Chinese column titles a file must carry) is that language on purpose.
        self._other: list[str] = []

    def handle_starttag(self, tag, attrs):
        lang = (dict(attrs).get("lang") or "").lower().split("-")[0]
        if lang and lang != self.language or (self._other and tag == self._other[-1]):
            self._other.append(tag)
            self._skipping += 1
        if tag in self.SKIP:
            self._skipping += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        if self._other and tag == self._other[-1]:
            self._other.pop()
            self._skipping -= 1

    def handle_data(self, data):
        text = data.strip()
        # A stored JSON payload shown verbatim in the admin (audit data, photo figures) is data.
        if self._skipping or (text[:1] in "{[" and text[-1:] in "}]" and len(text) > 1):
            return
        self.parts.append(data)


# The admin's password summary shows the start of the salt and hash (算法/迭代次数/盐/哈希).
HASH_SUMMARY = re.compile(r"(?:盐|哈希|算法)\s*[:：]?\s*\S+")


def english_words(text: str, allowed: set[str]) -> list[str]:
    text = DATA.sub(" ", HASH_SUMMARY.sub(" ", text))
    return [w for w in WORD.findall(text) if w not in allowed]


# A code is lower case joined by "_" or "." (student_no, id_card, fees.payment) or a job's key
# (verification:2:1); one lower-case word alone is a code only where it is a registered kind.
CODE = re.compile(r"(?<![\w./:@-])(?:[a-z]{2,}(?:[_.][a-z0-9]{2,})+|[a-z_]+(?::\d+)+)(?![\w/@-])")
KIND_WORDS = {"export"}
# Tokens a page may show that look like codes: usernames and file names are data.
CODE_LIKE_DATA = re.compile(r"\S+\.(?:xlsx|xls|csv|jpg|jpeg|png|ods|json|py)\b|\S*(?:://|www\.|@)\S*")


def raw_codes(text: str, allowed: set[str]) -> list[str]:
    text = CODE_LIKE_DATA.sub(" ", HASH_SUMMARY.sub(" ", text))
    found = [c for c in CODE.findall(text) if c not in allowed]
    return found + [w for w in re.findall(r"(?<![\w.])[a-z]+(?![\w.])", text) if w in KIND_WORDS]


QUOTED = re.compile(r"“[^”]*”")
# In Chinese text a colon, question mark or exclamation after a Chinese character is full-width
# (学院：, 确定吗？); "08:30" and "http://" have digits or letters before the colon.
ASCII_MARK = re.compile(r"[\u3400-\u9fff）][:?!;](?!\d)")
CHINESE = re.compile(r"[\u3400-\u9fff]+|[：，；？！、。（）]")


def chinese_leaks(text: str, data: re.Pattern | None) -> list[str]:
    """Chinese left on an English page once the data people typed is taken out."""
    if data is not None:
        text = data.sub(" ", text)
    # A Chinese term quoted in an English sentence (“学号”: the column title a file must carry,
    # the status CHSI prints) is named on purpose.
    text = QUOTED.sub(" ", CODE_LIKE_DATA.sub(" ", HASH_SUMMARY.sub(" ", text)))
    return CHINESE.findall(text)


def data_pattern() -> re.Pattern | None:
    """Every stored text with Chinese in it (names, notes, addresses, notices: what people
    typed), longest first: on an English page these are data, not words to translate."""
    from django.apps import apps
    from django.db import models as m

    values: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (m.CharField, m.TextField))]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value and CHINESE.search(str(value)):
                    values.add(str(value).strip())
                    # A notice's text is shown a line or a paragraph at a time.
                    values.update(line.strip() for line in str(value).splitlines() if line.strip())
    # A person's name is also shown split (family name first) or masked (张*).
    values = {v for v in values if v}
    if not values:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


def _internal(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(("/static/", "/media/", "/i18n/")):
        return None
    if "logout" in path or path.startswith("/admin/logout"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _admin_pages() -> list[str]:
    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        for view in ("changelist", "add"):
            try:
                pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}"))
            except NoReverseMatch:
                pass
    return pages


def _shape(url: str) -> str:
    """One page per shape: /admin/x/7/change/ and /admin/x/8/change/ show the same words, and an
    admin list sorted or filtered another way too."""
    path = url.split("?")[0] if url.startswith("/admin/") else url
    return re.sub(r"\d+", "N", path)


def crawl(client, start: list[str], allowed: set[str], *, english: bool = False, data=None) -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    seen, queue = set(), [(url, 0) for url in start]
    while queue and len(seen) < MAX_PAGES_PER_ROLE + len(start):
        url, depth = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html") or response.has_header("Content-Disposition"):
            continue
        parser = _Text("en" if english else "zh")
        parser.feed(response.content.decode())
        text = " ".join(parser.parts)
        words = raw_codes(text, allowed)
        if english:
            words += chinese_leaks(text, data)
        else:
            words += english_words(text, allowed)
            # The admin's delete confirmation lists "模型: 对象" with a colon Django hard-codes.
            if not (url.startswith("/admin/") and "/delete/" in url):
                words += ASCII_MARK.findall(text)
        if words:
            leaks[url] = sorted(set(words))
        if depth < MAX_DEPTH and response.status_code == 200:
            for href in parser.links:
                link = _internal(url, href)
                if link and _shape(link) not in seen:
                    queue.append((link, depth + 1))
    return leaks


@pytest.fixture
def demo():
    # The demo places its slots around the clock: the crawl sees the same pages whatever the hour.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield seed_demo(size=0.02)


def _scan(client, demo, language: str) -> dict[str, dict[str, list[str]]]:
    student = demo.logins[-1][1]
    # Usernames (coord_cs) are what people typed when the accounts were made: data.
    names = get_user_model().objects.values_list("username", flat=True)
    usernames = {w for name in names for w in WORD.findall(name)} | set(names)
    data = data_pattern() if language == "en" else None
    found = defaultdict(dict)
    for username in (*ROLES, student):
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        assert (
            client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}).status_code == 302
        )
        # Names people gave things in the demo data (their own usernames) are data too.
        allowed = ALLOWED | usernames
        start = ["/", "/capture/desk/999999/", "/no-such-page/"]
        if username == "jwc":
            start += _admin_pages()
        found[username] = crawl(client, start, allowed, english=language == "en", data=data)
    return {user: pages for user, pages in found.items() if pages}


def test_no_english_or_code_on_the_chinese_pages(client, demo):
    leaks = _scan(client, demo, "zh-hans")
    assert leaks == {}, "\n".join(
        f"{user} {url}: {words}" for user, pages in leaks.items() for url, words in pages.items()
    )


def test_no_chinese_or_code_on_the_english_pages(client, demo):
    leaks = _scan(client, demo, "en")
    assert leaks == {}, "\n".join(
        f"{user} {url}: {words}" for user, pages in leaks.items() for url, words in pages.items()
    )


def test_the_scan_sees_a_leak():
    assert english_words("时段 No Slot matches the given query. 学号 S2021001 ¥17.00 CHSI", ALLOWED) == [
        "No",
        "Slot",
        "matches",
        "the",
        "given",
        "query",
    ]
    assert english_words("识别方式 student_no", ALLOWED) == ["student_no"]


def test_the_scan_sees_a_code_and_chinese_on_an_english_page():
    assert raw_codes("Method student_no, job export verification:2:1 at 2020-11-26 a.xlsx", ALLOWED) == [
        "student_no",
        "verification:2:1",
        "export",
    ]
    data = re.compile("张三")
    assert chinese_leaks("Name 张三 College：（1 unread）", data) == ["：", "（", "）"]
    assert chinese_leaks("Name 张三 学院", data) == ["学院"]
    assert chinese_leaks("Columns “学号”, “金额”", data) == []
    assert ASCII_MARK.findall("学院: 机械 确定吗? 08:30 学院：") == ["院:", "吗?"]
