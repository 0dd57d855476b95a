import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from capture_day.services import check_in
from core.redact import redact
from fees import remittances, services
from fees.models import Entry, FeeAccount, Kind, Method, Remittance, RemittanceConfirmation
from tests.factories import make_college, make_desk_operator, make_slot, make_student, make_user
from tests.jobs_support import export_bytes

from .conftest import capture, key

D = Decimal


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def populate(campaign, colleges, per_college: int, coordinator=None):
    """Captured students, half paid, one remittance per college: every kind of row on the pages."""
    slot = make_slot(campaign, group=f"组{per_college}")
    operator = make_desk_operator(slot)
    staff = make_user(Role.STAFF)
    for college in colleges:
        students = [make_student(campaign, college) for _ in range(per_college)]
        for i, s in enumerate(students):
            check_in(campaign=campaign, slot=slot, identifier=s.student_no, operator=operator)
            if i % 2 == 0:
                services.post_payment(
                    student=s, amount="17", method=Method.CASH, actor=staff, idempotency_key=key(), note="现金"
                )
        remittance, _ = remittances.create_remittance(
            campaign=campaign, college=college, actor=staff, idempotency_key=key()
        )
        remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount=remittance.amount - 1)


# --- who sees what ---------------------------------------------------------------


def test_student_sees_what_they_owe_and_paid(client, campaign, college, coordinator):
    user = make_user(Role.STUDENT)
    me = make_student(campaign, college, user=user)
    capture(me)
    services.post_payment(student=me, amount="10", method=Method.WECHAT, actor=coordinator, idempotency_key=key())
    client.force_login(user)
    page = text(client.get(reverse("fees:index")))
    assert 'id="fee-charged">¥17.00' in page
    assert 'id="fee-paid">¥10.00' in page
    assert 'id="fee-owed">¥7.00' in page
    assert "微信" in page


def test_student_without_profile_gets_a_message(client, db):
    client.force_login(make_user(Role.STUDENT))
    assert "没有找到你的采集信息" in text(client.get(reverse("fees:index")))


def test_student_and_counselor_cannot_open_coordinator_pages(client, captured):
    for role in (Role.STUDENT, Role.COUNSELOR, Role.OPERATOR):
        client.force_login(make_user(role))
        assert client.get(reverse("fees:ledger")).status_code == 403
        assert client.get(reverse("fees:student", args=[captured.pk])).status_code == 403
        assert client.get(reverse("fees:reconciliation")).status_code == 403


def test_anonymous_redirected_to_login(client, db):
    response = client.get(reverse("fees:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_coordinator_ledger_shows_only_own_college(client, campaign, college, other_college, coordinator):
    mine = make_student(campaign, college, name="本院学生")
    theirs = make_student(campaign, other_college, name="外院学生")
    capture(mine)
    capture(theirs)
    client.force_login(coordinator)
    page = text(client.get(reverse("fees:index")))
    assert "本院学生" in page and "外院学生" not in page
    assert client.get(reverse("fees:student", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("fees:student", args=[mine.pk])).status_code == 200


def test_unpaid_list(client, campaign, college, coordinator):
    paid = make_student(campaign, college, name="已缴同学")
    unpaid = make_student(campaign, college, name="未缴同学")
    not_captured = make_student(campaign, college, name="未采集同学")
    for s in (paid, unpaid):
        capture(s)
    services.post_payment(student=paid, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    client.force_login(coordinator)
    page = text(client.get(reverse("fees:ledger"), {"unpaid": "1"}))
    assert "未缴同学" in page and "已缴同学" not in page and not_captured.name not in page


def test_staff_index_is_reconciliation(client, staff, campaign, college, coordinator):
    populate(campaign, [college], 4)
    client.force_login(staff)
    page = text(client.get(reverse("fees:index")))
    assert "各学院费用对账" in page and college.name in page
    # 4 captured × 17 = 68 expected; 2 paid = 34 collected; remitted 34, confirmed 33 → difference -1.
    row = re.search(rf"{college.name}</a></td>(.*?)</tr>", page).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells[:7] == ["4", "¥68.00", "¥68.00", "¥0.00", "¥34.00", "¥0.00", cells[6]]
    # 未收: the two unpaid students' ¥34, linked to the list of them.
    assert f'college={college.pk}&amp;unpaid=1">¥34.00</a>' in cells[6] and "2 人" in cells[6]
    assert cells[7].startswith("¥34.00") and cells[8] == "<strong>¥0.00</strong>" and cells[9] == "¥33.00"
    # 上交情况: ¥34 still to come to 教务处, all of it not yet paid by students.
    assert "还需上交 ¥34.00" in cells[11] and "其中 ¥34.00 学生未缴" in cells[11]
    assert "少收 ¥1.00" in row and "-1.00" not in row


def test_coordinator_cannot_see_reconciliation_of_all(client, coordinator, campaign):
    client.force_login(coordinator)
    assert client.get(reverse("fees:reconciliation")).status_code == 403


# --- payment entry ------------------------------------------------------------------


def test_lookup_prefills_owed_amount(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    data = client.post(
        reverse("fees:lookup"), {"campaign": campaign.code, "q": captured.student_no}, HTTP_X_REQUESTED_WITH="fetch"
    ).json()
    assert data["ok"] and data["student"]["name"] == "张三" and data["student"]["suggested"] == "17.00"
    assert len(data["key"]) == 32
    # A desk reader typing the ID card works as well.
    data = client.post(
        reverse("fees:lookup"), {"campaign": campaign.code, "q": captured.id_number}, HTTP_X_REQUESTED_WITH="fetch"
    ).json()
    assert data["student"]["student_no"] == captured.student_no


def lookup(client, campaign, q):
    return client.post(reverse("fees:lookup"), {"campaign": campaign.code, "q": q}, HTTP_X_REQUESTED_WITH="fetch")


def test_lookup_refuses_other_college_and_unknown(client, captured, other_coordinator, campaign):
    client.force_login(other_coordinator)
    response = lookup(client, campaign, captured.student_no)
    assert response.status_code == 404 and "在你负责的学院中没有找到" in response.json()["error"]
    assert "张三" not in response.content.decode()
    response = lookup(client, campaign, "nobody")
    assert "没有" in response.json()["error"]


def test_lookup_is_no_oracle_for_other_colleges(client, captured, other_coordinator, campaign):
    """Issue 11, item 5: another college's student's ID number answers exactly like a stranger's."""
    client.force_login(other_coordinator)
    stranger = "11010519491231002X"
    theirs = lookup(client, campaign, captured.id_number).json()["error"]
    nobody = lookup(client, campaign, stranger).json()["error"]
    assert theirs.replace(redact(captured.id_number), "…") == nobody.replace(redact(stranger), "…")
    assert captured.student_no not in theirs and "张三" not in theirs
    assert captured.id_number not in theirs  # and the typed number is echoed masked


def test_lookup_by_get_is_refused(client, captured, coordinator, campaign):
    """Issue 11, item 4: a swiped ID number must not travel in a query string (access logs)."""
    client.force_login(coordinator)
    response = client.get(reverse("fees:lookup"), {"campaign": campaign.code, "q": captured.id_number})
    assert response.status_code == 405
    page = client.get(reverse("fees:entry"), {"campaign": campaign.code}).content.decode()
    assert 'id="lookup-form"' in page and 'method="post"' in page.split('id="lookup-form"')[0].rsplit("<form", 1)[1]


def test_entry_page_without_js_flow(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    page = client.post(reverse("fees:lookup"), {"campaign": campaign.code, "q": captured.student_no})
    html = page.content.decode()
    assert "张三" in html and 'value="17.00"' in html
    k = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)
    form = {"student": captured.pk, "amount": "17.00", "method": "cash", "note": "", "idempotency_key": k}
    url = reverse("fees:entry") + f"?campaign={campaign.code}"
    first = client.post(url, form, follow=True)
    assert "已登记：张三" in text(first)
    second = client.post(url, form, follow=True)  # the resent form
    assert "本次未重复入账" in text(second)
    assert Entry.objects.filter(kind=Kind.PAYMENT).count() == 1


def test_entry_json_double_submit_posts_once(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    url = reverse("fees:entry") + f"?campaign={campaign.code}"
    form = {"student": captured.pk, "amount": "17", "method": "wechat", "idempotency_key": key()}
    first = client.post(url, form, HTTP_X_REQUESTED_WITH="fetch").json()
    second = client.post(url, form, HTTP_X_REQUESTED_WITH="fetch").json()
    assert first["ok"] and first["created"] and second["ok"] and not second["created"]
    assert first["entry"] == second["entry"]
    assert first["student"]["balance"] == "0.00"


def test_entry_refuses_overpayment_and_other_college(client, captured, coordinator, other_coordinator, campaign):
    url = reverse("fees:entry") + f"?campaign={campaign.code}"
    client.force_login(coordinator)
    response = client.post(
        url,
        {"student": captured.pk, "amount": "20", "method": "cash", "idempotency_key": key()},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400 and "超出应缴金额" in response.json()["error"]
    client.force_login(other_coordinator)
    response = client.post(url, {"student": captured.pk, "amount": "17", "method": "cash", "idempotency_key": key()})
    assert response.status_code == 200 and "不属于你负责的学院" in text(response)
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"student": "abc", "amount": "17", "method": "cash", "idempotency_key": "k"},
        {"student": "99999999", "amount": "17", "method": "cash", "idempotency_key": "k"},
        {"student": "1", "amount": "1e99999", "method": "x", "idempotency_key": "k" * 500},
    ],
)
def test_entry_garbage_never_500(client, captured, coordinator, campaign, form):
    client.force_login(coordinator)
    response = client.post(reverse("fees:entry"), form)
    assert response.status_code == 200
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_mark_paid_for_class(client, campaign, college, coordinator):
    students = [make_student(campaign, college, class_name="计算机1702") for _ in range(3)]
    for s in students:
        capture(s)
    client.force_login(coordinator)
    page = client.get(reverse("fees:ledger"), {"class": "计算机1702"}).content.decode()
    k = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    form = {
        "campaign": campaign.code,
        "students": [s.pk for s in students[:2]],
        "method": "cash",
        "idempotency_key": k,
    }
    response = client.post(reverse("fees:mark_paid"), form, follow=True)
    assert "已登记 2 人缴费，共 ¥34.00" in text(response)
    response = client.post(reverse("fees:mark_paid"), form, follow=True)
    assert "本次未重复入账" in text(response)
    assert [FeeAccount.objects.get(student=s).balance for s in students] == [0, 0, D("17.00")]


def test_mark_paid_with_outsider_posts_nothing(client, campaign, college, other_college, coordinator):
    mine = make_student(campaign, college)
    theirs = make_student(campaign, other_college)
    capture(mine)
    capture(theirs)
    client.force_login(coordinator)
    form = {"campaign": campaign.code, "students": [mine.pk, theirs.pk], "method": "cash", "idempotency_key": key()}
    response = client.post(reverse("fees:mark_paid"), form, follow=True)
    assert "未登记任何缴费" in text(response)
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


# --- student ledger actions ---------------------------------------------------------------


def test_reverse_refund_waiver_through_pages(client, captured, coordinator, staff):
    entry = services.post_payment(
        student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key()
    ).entry
    client.force_login(coordinator)
    response = client.post(
        reverse("fees:reverse", args=[entry.pk]), {"reason": "录错", "idempotency_key": key()}, follow=True
    )
    assert "已冲正" in text(response)
    assert FeeAccount.objects.get(student=captured).balance == D("17.00")
    response = client.post(
        reverse("fees:refund", args=[captured.pk]),
        {"amount": "5", "method": "cash", "note": "多收", "idempotency_key": key()},
        follow=True,
    )
    assert "退费不能超过已缴金额" in text(response)
    assert client.post(reverse("fees:waiver", args=[captured.pk]), {}).status_code == 403
    client.force_login(staff)
    response = client.post(
        reverse("fees:waiver", args=[captured.pk]),
        {"amount": "17", "note": "建档立卡", "idempotency_key": key()},
        follow=True,
    )
    assert "已登记减免" in text(response)
    assert FeeAccount.objects.get(student=captured).balance == 0


def test_reverse_other_college_entry_is_404(client, captured, coordinator, other_coordinator):
    entry = services.post_payment(
        student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key()
    ).entry
    client.force_login(other_coordinator)
    response = client.post(reverse("fees:reverse", args=[entry.pk]), {"reason": "x", "idempotency_key": key()})
    assert response.status_code == 404


# --- remittance pages ---------------------------------------------------------------


def test_remit_and_confirm_through_pages(client, captured, campaign, college, coordinator, staff):
    services.post_payment(student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    client.force_login(coordinator)
    page = client.get(reverse("fees:remittances"), {"campaign": campaign.code}).content.decode()
    assert "生成上交单 ¥17.00" in page
    k = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    form = {"campaign": campaign.code, "college": college.pk, "idempotency_key": k}
    response = client.post(reverse("fees:remittances"), form, follow=True)
    assert "已生成上交单" in text(response)
    response = client.post(reverse("fees:remittances"), form, follow=True)
    assert "本次未重复生成" in text(response)
    remittance = Remittance.objects.get()
    assert (
        client.post(reverse("fees:confirm_remittance", args=[remittance.pk]), {"received_amount": "17"}).status_code
        == 403
    )
    client.force_login(staff)
    check = text(client.post(reverse("fees:confirm_remittance", args=[remittance.pk]), {"received_amount": "16.50"}))
    assert (
        "核对到账金额" in check
        and '¥16.50（<span lang="zh-Hans" class="capital-amount">壹拾陆元伍角</span>）' in check
        and "少收 ¥0.50" in check
    )
    assert "确认实收 ¥16.50" in check and not RemittanceConfirmation.objects.exists()  # only shown, not recorded
    response = client.post(
        reverse("fees:confirm_remittance", args=[remittance.pk]),
        {"received_amount": "16.50", "checked": "1"},
        follow=True,
    )
    assert "相差 -¥0.50" in text(response)
    assert RemittanceConfirmation.objects.get().received_amount == Decimal("16.50")
    page = text(client.get(reverse("fees:remittance", args=[remittance.pk])))
    assert "少收 ¥0.50" in page


def test_other_coordinator_cannot_open_or_create_remittance(
    client, captured, campaign, college, coordinator, other_coordinator
):
    services.post_payment(student=captured, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    client.force_login(other_coordinator)
    assert client.get(reverse("fees:remittance", args=[remittance.pk])).status_code == 404
    response = client.post(
        reverse("fees:remittances"), {"campaign": campaign.code, "college": college.pk, "idempotency_key": key()}
    )
    assert response.status_code == 404
    assert client.post(reverse("fees:cancel_remittance", args=[remittance.pk]), {"reason": "x"}).status_code == 404


# --- export ------------------------------------------------------------------------


def test_export_download_scoped_to_coordinator(client, campaign, college, other_college, coordinator):
    populate(campaign, [college, other_college], 2)
    client.force_login(coordinator)
    workbook = load_workbook(io.BytesIO(export_bytes(client, "fees", campaign.code)), read_only=True)
    names = [row[0] for row in workbook["各学院对账"].iter_rows(min_row=3, values_only=True)]
    assert names == [college.name, "合计"]


# --- query counts --------------------------------------------------------------------


def _pages(campaign, college):
    return [
        (reverse("fees:ledger"), {"campaign": campaign.code}),
        (reverse("fees:ledger"), {"campaign": campaign.code, "unpaid": "1"}),
        (reverse("fees:reconciliation"), {"campaign": campaign.code}),
        (reverse("fees:remittances"), {"campaign": campaign.code}),
        (reverse("export", args=["fees"]), {"campaign": campaign.code}),
    ]


@pytest.mark.parametrize("page_index", range(5))
def test_list_pages_constant_queries(client, campaign, staff, django_assert_max_num_queries, page_index):
    colleges = [make_college(f"学院Q{i}") for i in range(2)]
    populate(campaign, colleges, 3)
    url, params = _pages(campaign, colleges[0])[page_index]
    client.force_login(staff)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url, params).status_code == 200
    more = [make_college(f"学院Q{i}") for i in range(2, 6)]
    populate(campaign, colleges + more, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, params).status_code == 200


def test_student_ledger_and_remittance_detail_constant_queries(
    client, campaign, college, staff, django_assert_max_num_queries
):
    s = make_student(campaign, college)
    capture(s)
    for _ in range(2):
        services.post_payment(student=s, amount="1", method=Method.CASH, actor=staff, idempotency_key=key())
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=staff, idempotency_key=key()
    )
    client.force_login(staff)
    with django_assert_max_num_queries(40) as small_ledger:
        client.get(reverse("fees:student", args=[s.pk]))
    with django_assert_max_num_queries(40) as small_detail:
        client.get(reverse("fees:remittance", args=[remittance.pk]))
    for _ in range(12):
        entry = services.post_payment(student=s, amount="1", method=Method.CASH, actor=staff, idempotency_key=key())
    services.reverse_entry(entry=entry.entry, actor=staff, reason="x", idempotency_key=key())
    big, _ = remittances.create_remittance(campaign=campaign, college=college, actor=staff, idempotency_key=key())
    with django_assert_max_num_queries(len(small_ledger.captured_queries)):
        client.get(reverse("fees:student", args=[s.pk]))
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        client.get(reverse("fees:remittance", args=[big.pk]))


# --- hostile input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/fees/?campaign=%00",
        "/fees/ledger/?q=%00&class=%00x&college=%00&page=%00",
        "/fees/ledger/?college=99999999999999999999999&page=99999999999999999999",
        "/fees/entry/?q=abc%00def",
        "/fees/students/99999999999999999999999/",
        "/fees/remittances/99999999999999999999999/",
        "/fees/remittances/?college=-1",
        "/exports/fees/?campaign=%00",
    ],
)
def test_hostile_query_strings_never_500(client, captured, staff, path):
    client.force_login(staff)
    # A NUL anywhere is refused before the view (photocapture.middleware.RefuseNulMiddleware).
    if "%00" in path:
        assert client.get(path).status_code == 400
    else:
        assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize(
    "url_name, data",
    [
        ("fees:entry", {"student": "99999999999999999999999", "amount": "1", "method": "cash", "idempotency_key": "k"}),
        ("fees:entry", {"student": "0", "amount": "1\x00", "method": "cash", "idempotency_key": "k\x00"}),
        ("fees:lookup", {"q": "\x00", "campaign": "\x00"}),
        ("fees:mark_paid", {"campaign": "\x00", "students": ["99999999999999999999999", "x"], "method": "cash"}),
        ("fees:mark_paid", {"next": "/fees/\x00\n", "students": ["0"], "method": "cash", "idempotency_key": "k"}),
        ("fees:remittances", {"college": "99999999999999999999999", "idempotency_key": "k"}),
        ("fees:remittances", {"college": "0", "idempotency_key": "k\x00"}),
    ],
)
def test_hostile_posts_never_500(client, captured, staff, url_name, data):
    client.force_login(staff)
    response = client.post(reverse(url_name), data)
    values = [v for vs in data.values() for v in ([vs] if isinstance(vs, str) else vs)]
    if any("\x00" in v for v in values):
        assert response.status_code == 400
    else:
        assert response.status_code in (200, 302, 404)
    assert not Entry.objects.filter(kind=Kind.PAYMENT).exists()


def test_remittance_shows_position_and_unpaid_students(client, campaign, college, coordinator):
    paid = make_student(campaign, college, name="已缴甲")
    unpaid = make_student(campaign, college, name="未缴乙")
    for s in (paid, unpaid):
        capture(s)
    services.post_payment(student=paid, amount="17", method=Method.CASH, actor=coordinator, idempotency_key=key())
    client.force_login(coordinator)
    page = text(client.get(reverse("fees:remittances"), {"campaign": campaign.code}))
    assert "已采集 2 人 × ¥17.00 = ¥34.00" in page and "未缴费学生（1 人）" in page and "未缴乙" in page
    assert "还需上交 ¥34.00" in page and "（其中 ¥17.00 学生未缴）" in page  # what the ¥34 owed is made of
    assert "已缴甲" not in page
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    assert (remittance.captured_count, remittance.expected, remittance.collected, remittance.unpaid_count) == (
        2,
        D("34.00"),
        D("17.00"),
        1,
    )
    assert remittance.remitted_before == 0 and remittance.outstanding_after == D("17.00")
    page = text(client.get(reverse("fees:remittance", args=[remittance.pk])))
    assert "已采集 2 人，应收 ¥34.00" in page and "本次上交后仍未上交" in page and "未缴乙" in page


def test_payment_from_student_ledger_returns_there(client, captured, coordinator, campaign):
    client.force_login(coordinator)
    ledger_url = reverse("fees:student", args=[captured.pk])
    page = client.get(ledger_url).content.decode()
    assert f'name="next" value="{ledger_url}"' in page
    response = client.post(
        reverse("fees:entry") + f"?campaign={campaign.code}",
        {"student": captured.pk, "amount": "17.00", "method": "cash", "idempotency_key": key(), "next": ledger_url},
    )
    assert response.status_code == 302 and response["Location"] == ledger_url
    assert FeeAccount.objects.get(student=captured).balance == 0


# --- the printable 上交单 -----------------------------------------------------------------


def _slip_students(campaign, college, coordinator, n, method=Method.CASH):
    slot = make_slot(campaign, group=f"组{n}{method}")
    operator = make_desk_operator(slot)
    for i in range(n):
        s = make_student(campaign, college, name=f"学生{n}-{i}", class_name="计科1701")
        check_in(campaign=campaign, slot=slot, identifier=s.student_no, operator=operator)
        services.post_payment(student=s, amount="17", method=method, actor=coordinator, idempotency_key=key())


def test_the_printed_slip_lists_every_student_with_totals_and_signature_lines(
    client, campaign, college, coordinator, staff
):
    _slip_students(campaign, college, coordinator, 3)
    _slip_students(campaign, college, coordinator, 2, method=Method.WECHAT)
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    client.force_login(coordinator)
    detail = text(client.get(reverse("fees:remittance", args=[remittance.pk])))
    assert reverse("fees:remittance_print", args=[remittance.pk]) in detail and "打印上交单" in detail

    page = text(client.get(reverse("fees:remittance_print", args=[remittance.pk])))
    assert "图像采集费上交单" in page and "计算机科学与工程学院" in page
    assert all(f"学生3-{i}" in page for i in range(3)) and all(f"学生2-{i}" in page for i in range(2))
    assert page.count("<td>计科1701</td>") == 5
    assert '<th class="num" data-testid="slip-total">¥85.00</th>' in page
    assert "合计：5 名学生，5 笔" in page
    assert "其中现金：3 笔" in page and "¥51.00" in page and "其中微信：2 笔" in page and "¥34.00" in page
    assert "学院经办人（签字）" in page and "教务处收款人（签字）" in page and "学院负责人（签字、盖章）" in page
    assert "data-print" in page
    assert "计费依据：已采集 5 人 × ¥17.00 = 应收 ¥85.00；此前已上交 ¥0.00；本次上交后仍未上交 ¥0.00" in page
    assert (
        '大写：<strong><span lang="zh-Hans" class="capital-amount">捌拾伍元整</span></strong>' in page
        and "上交金额：¥85.00" in page
    )
    words = re.sub(r"<[^>]+>", "", page)  # the words as read: 大写 is marked lang="zh-Hans" in the markup
    assert "其中现金：3 笔（大写：伍拾壹元整）" in words and "其中微信：2 笔（大写：叁拾肆元整）" in words


def test_slip_queries_do_not_grow_and_other_colleges_cannot_print_it(
    client, campaign, college, coordinator, other_coordinator, django_assert_max_num_queries
):
    _slip_students(campaign, college, coordinator, 3)
    small, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    _slip_students(campaign, college, coordinator, 30)
    large, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=coordinator, idempotency_key=key()
    )
    client.force_login(coordinator)
    with django_assert_max_num_queries(8) as few:
        assert client.get(reverse("fees:remittance_print", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get(reverse("fees:remittance_print", args=[large.pk])))
    assert "合计：30 名学生，30 笔" in page
    client.force_login(other_coordinator)
    assert client.get(reverse("fees:remittance_print", args=[small.pk])).status_code == 404


# --- colleges that missed the remittance deadline ------------------------------------------


def test_staff_see_the_colleges_that_missed_the_remittance_deadline(
    client, campaign, college, other_college, coordinator, other_coordinator, staff
):
    import datetime

    from django.utils import timezone

    _slip_students(campaign, college, coordinator, 2)  # ¥34 collected, not remitted
    _slip_students(campaign, other_college, other_coordinator, 1)
    remittances.create_remittance(
        campaign=campaign, college=other_college, actor=other_coordinator, idempotency_key=key()
    )
    type(campaign).objects.filter(pk=campaign.pk).update(
        remittance_deadline=timezone.localdate() - datetime.timedelta(days=3)
    )
    client.force_login(staff)
    page = text(client.get(reverse("fees:reconciliation"), {"campaign": campaign.code}))
    late = page.split('id="late"')[1].split("</table>")[0]
    assert "已过上交截止日期" in page
    assert "计算机科学与工程学院" in late and "经济管理学院" not in late  # that one has handed everything over
    assert "计算机李老师" in late and '<td class="num">¥34.00</td>' in late and '<td class="num">3</td>' in late

    type(campaign).objects.filter(pk=campaign.pk).update(remittance_deadline=timezone.localdate())
    assert 'id="late"' not in text(client.get(reverse("fees:reconciliation"), {"campaign": campaign.code}))
