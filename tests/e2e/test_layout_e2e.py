"""Issues 13 item 7 and 24 item 3: the long staff and coordinator tables fit a 1280 px screen, and
no cell, title or data, breaks inside a word (Chinese breaks anywhere unless told not to: 已采 / 集,
机械工程与自 / 动化学院)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from sessions_app.services import refresh_slot_assignments
from tests.browser import logged_in_page
from tests.factories import make_audience, make_campaign, make_college, make_slot, make_student, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# For every table header cell: the words it holds, and whether a line break falls inside one.
MEASURE = """() => {
  const broken = [];
  for (const th of document.querySelectorAll("th, td")) {
    const text = th.innerText.trim();
    if (!text) continue;
    const range = document.createRange();
    const node = [...th.childNodes].find(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!node) continue;
    // One rect per rendered line of the text; a word is broken when a line ends between two CJK
    // characters that are not separated by a space or punctuation.
    range.selectNodeContents(node);
    const lines = [...range.getClientRects()].map(r => Math.round(r.top));
    if (new Set(lines).size < 2) continue;
    const chars = [...node.textContent];
    let top = null, offset = 0;
    for (let i = 0; i < chars.length; i++) {
      const r = document.createRange();
      r.setStart(node, offset); r.setEnd(node, offset + chars[i].length);
      const rect = r.getBoundingClientRect();
      offset += chars[i].length;
      if (!rect.width) continue;
      const t = Math.round(rect.top);
      if (top !== null && t > top && /[\\u4e00-\\u9fff]/.test(chars[i]) && /[\\u4e00-\\u9fff]/.test(chars[i - 1])) {
        broken.push(text);
        break;
      }
      top = t;
    }
  }
  // Below 1280 px a wide table scrolls inside the page's main block; at 1280 px nothing scrolls.
  const main = document.querySelector("main");
  return {broken, overflow: Math.max(document.documentElement.scrollWidth - window.innerWidth,
                                     main ? main.scrollWidth - main.clientWidth : 0),
          page_overflow: document.documentElement.scrollWidth - window.innerWidth,
          headers: document.querySelectorAll("th").length};
}"""


def test_long_tables_fit_1280_px_without_breaking_a_title_inside_a_word(browser, live_server):
    campaign = make_campaign()
    slot = make_slot(campaign, group="金石滩第一组")
    colleges = [make_college(name) for name in ("建筑与艺术学院", "机械工程与自动化学院", "马克思主义学院")]
    for college in colleges:
        make_audience(slot, college=college)
        for _ in range(3):
            make_student(campaign, college, class_name="机械1701")
    refresh_slot_assignments(campaign=campaign)
    staff = make_user(Role.STAFF)
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(colleges[1])

    pages = [
        (staff, reverse("fees:reconciliation")),
        (staff, reverse("sessions_app:staff_overview")),
        (staff, reverse("fees:remittances")),
        (staff, reverse("fees:ledger")),
        (staff, reverse("verification:index")),
        (staff, reverse("verification:reports")),
        (staff, reverse("retakes:index")),
        (coordinator, reverse("sessions_app:college_overview")),
        (coordinator, reverse("fees:index")),
        (coordinator, reverse("verification:unconfirmed")),
        (coordinator, reverse("verification:overdue")),
        (coordinator, reverse("capture_day:class_progress")),
        (staff, reverse("capture_day:desk_index")),
        (staff, reverse("admin:accounts_auditevent_changelist")),
    ]
    problems, tables = [], []
    for user, path in pages:
        page = logged_in_page(browser, live_server, user)
        page.set_viewport_size({"width": 1280, "height": 800})
        response = page.goto(f"{live_server.url}{path}?campaign={campaign.code}")
        assert response.status == 200, (path, response.status)
        measured = page.evaluate(MEASURE)
        tables.append(measured["headers"] > 0)
        if measured["broken"] or measured["overflow"] > 0:
            problems.append((path, measured))
        # Narrower than 1280 px the table scrolls inside the page; words still do not break and
        # the page itself (header, forms) does not scroll sideways.
        page.set_viewport_size({"width": 900, "height": 800})
        narrow = page.evaluate(MEASURE)
        if narrow["broken"] or narrow["page_overflow"] > 0:
            problems.append((path, "900 px", narrow))
        page.context.close()
    assert problems == []
    assert sum(tables) >= len(pages) - 2, "most pages drew no table, so this measured nothing"
