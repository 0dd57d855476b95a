"""Issue 11, item 6: every export, every column, writes typed text as text, never as a formula."""

import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from capture_day.services import check_in, undo_check_in
from core.registries import exporters
from core.spreadsheets import FORMULA_TRIGGERS, DataWorkbook, is_formula_like
from fees import remittances, services
from fees.models import Method
from retakes import services as retake_services
from retakes.models import Channel, Reason
from tests.factories import (
    make_audience,
    make_campaign,
    make_college,
    make_desk_operator,
    make_slot,
    make_student,
    make_user,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    "=1+1",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1)",
    "\t=3+4",
    "\r=5+6",
    '=HYPERLINK("http://evil.example/","点我")',
    "=cmd|' /C calc'!A0",
]


def hostile(n: int) -> str:
    return HOSTILE[n % len(HOSTILE)]


@pytest.fixture
def hostile_campaign():
    campaign = make_campaign(fee_per_person=Decimal("17.00"))
    college = make_college('=HYPERLINK("http://evil.example/")')
    slot = make_slot(campaign, group="+组")
    make_audience(slot, college=college)
    staff = make_user(Role.STAFF)
    operator = make_desk_operator(slot)
    counselor = make_user(Role.COUNSELOR, display_name="-辅导员")
    students = [
        make_student(
            campaign,
            college,
            name=hostile(n),
            class_name=hostile(n + 1),
            major=hostile(n + 2),
            phone=hostile(n + 3)[:20],
            counselor=counselor,
        )
        for n in range(len(HOSTILE))
    ]
    captures = [
        check_in(campaign=campaign, slot=slot, identifier=s.student_no, operator=operator).capture for s in students[:6]
    ]
    undo_check_in(capture=captures[0], actor=staff, reason="=1+2 撤销")
    for n, student in enumerate(students[1:4]):
        services.post_payment(
            student=student,
            amount="17",
            method=Method.CASH,
            actor=staff,
            idempotency_key=uuid.uuid4().hex,
            note=hostile(n),
        )
    remittance, _ = remittances.create_remittance(
        campaign=campaign, college=college, actor=staff, idempotency_key=uuid.uuid4().hex, note="@备注"
    )
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount=remittance.amount, note="-差额")
    for n, student in enumerate(students[4:7]):
        retake_services.create_request(
            student=student, actor=staff, reason=Reason.OTHER, channel=Channel.ONLINE, reason_detail=hostile(n + 4)
        )
    return campaign


def hostile_cells(data: bytes) -> tuple[int, list]:
    """(how many formula-like texts the workbook holds, the cells that would be evaluated)."""
    workbook = load_workbook(io.BytesIO(data))
    found, live = 0, []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    live.append((sheet.title, cell.coordinate, cell.value))
                elif is_formula_like(cell.value):
                    found += 1
                    if not cell.quotePrefix:
                        live.append((sheet.title, cell.coordinate, cell.value))
    return found, live


def test_every_export_writes_hostile_text_as_text(hostile_campaign):
    names = exporters()
    assert set(names) >= {"attendance", "roster", "fees", "verification", "retakes"}
    for name, exporter in names.items():
        stream = io.BytesIO()
        exporter.func(campaign=hostile_campaign, user=None, stream=stream)
        found, live = hostile_cells(stream.getvalue())
        assert found > 0, f"{name}: the hostile values did not reach the export, so this test proves nothing"
        assert live == [], f"{name}: cells Excel would evaluate: {live}"


def test_hostile_text_keeps_its_value():
    workbook = DataWorkbook()
    sheet = workbook.create_sheet("x")
    sheet.append([*HOSTILE, 17, "正常"])
    stream = io.BytesIO()
    workbook.save(stream)
    row = next(load_workbook(stream).worksheets[0].iter_rows(values_only=True))
    # XML turns a carriage return into a line feed; the text is otherwise what was typed.
    assert [v.strip() for v in row[: len(HOSTILE)]] == [v.strip() for v in HOSTILE]
    assert row[len(HOSTILE) :] == (17, "正常")
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


# --- issue 13, item 7: every sheet a clerk can filter and scroll, money as 0.00, rates as numbers ---


def _sheets(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets


def test_every_export_sheet_has_a_frozen_filtered_header_and_typed_figures(hostile_campaign):
    money_columns = {
        "应收（已采集人数 × 每人费用）",
        "已收",
        "可上交（已收 − 平台直缴 − 已上交）",
        "应缴",
        "欠费",
        "上交金额",
        "实收金额",
    }
    seen_money = seen_rate = 0
    for name, exporter in exporters().items():
        stream = io.BytesIO()
        exporter.func(campaign=hostile_campaign, user=None, stream=stream)
        for sheet in _sheets(stream.getvalue()):
            where = f"{name}/{sheet.title}"
            assert sheet.freeze_panes, f"{where}: the header scrolls away"
            header_row = int(sheet.freeze_panes[1:]) - 1
            assert sheet.auto_filter.ref, f"{where}: no filter on the header"
            assert sheet.auto_filter.ref.startswith(f"A{header_row}:"), (where, sheet.auto_filter.ref)
            assert sheet.auto_filter.ref.endswith(str(sheet.max_row)), (where, sheet.auto_filter.ref, sheet.max_row)
            header = [cell.value for cell in sheet[header_row]]
            assert all(cell.font.b for cell in sheet[header_row] if cell.value), f"{where}: header not bold"
            for row in sheet.iter_rows(min_row=header_row + 1):
                for title, cell in zip(header, row, strict=False):
                    if title in money_columns and cell.value is not None:
                        assert isinstance(cell.value, int | float), (where, title, cell.value)
                        assert cell.number_format == "0.00", (where, title, cell.number_format)
                        seen_money += 1
                    if title and str(title).endswith("率") and cell.value is not None:
                        assert isinstance(cell.value, int | float) and cell.number_format.endswith("%"), (where, title)
                        seen_rate += 1
                    assert not (isinstance(cell.value, str) and cell.value.endswith("%")), (where, title, cell.value)
    assert seen_money > 0 and seen_rate > 0, "no money or rate cell reached the check, so it proves nothing"
