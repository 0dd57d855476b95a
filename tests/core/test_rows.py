"""core.rows: the desk swipe's rows written without the ORM's compiler, as the ORM would write them."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from accounts.models import AuditEvent
from capture_day.models import DeskSwipe
from core.rows import RowBatch, insert_row

pytestmark = pytest.mark.django_db


def test_insert_row_fills_defaults_and_auto_now_add_and_returns_the_pk(world):  # noqa: F811
    nonce = uuid.uuid4()
    pk = insert_row(DeskSwipe, {"nonce": nonce, "slot": world.slot_econ, "operator": world.operator})
    swipe = DeskSwipe.objects.get(pk=pk)
    assert swipe.nonce == nonce and swipe.slot_id == world.slot_econ.pk and swipe.operator_id == world.operator.pk
    assert swipe.outcome == "" and swipe.student_id is None and swipe.received_at is not None


def test_a_batch_writes_in_order_and_names_the_model_a_constraint_refused(world):  # noqa: F811
    nonce = uuid.uuid4()
    batch = RowBatch()
    batch.add(AuditEvent, actor=world.operator, action="capture.record", data={"shot": 1})
    batch.add(DeskSwipe, nonce=nonce, slot=world.slot_econ, operator=world.operator, outcome="captured")
    batch.flush()
    assert AuditEvent.objects.get(action="capture.record").data == {"shot": 1}
    assert DeskSwipe.objects.get(nonce=nonce).outcome == "captured"
    batch.add(AuditEvent, actor=world.operator, action="capture.record", data={})
    batch.add(DeskSwipe, nonce=nonce, slot=world.slot_econ, operator=world.operator)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        batch.flush()
    assert refused.value.model is DeskSwipe
    assert AuditEvent.objects.filter(action="capture.record").count() == 1  # rolled back with it
