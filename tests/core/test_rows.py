"""core.rows: the desk swipe's rows written without the ORM's compiler, as the ORM would write them."""

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from capture_day.models import DeskSwipe
from core.rows import Prepared, RowBatch, insert_row

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


def _sent(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_prepared_statement_is_prepared_once_per_connection_and_answers_as_the_plain_one(world):  # noqa: F811
    statement = Prepared("SELECT %s::int + %s::int, %s::text")
    connection.close()  # a fresh connection: nothing prepared on it yet
    with CaptureQueriesContext(connection) as first, connection.cursor() as cursor:
        statement.execute(cursor, [1, 2, "它"])
        assert cursor.fetchone() == (3, "它")
        statement.execute(cursor, [40, 2, "'; DROP TABLE x; --"])
        assert cursor.fetchone() == (42, "'; DROP TABLE x; --")
    assert _sent(first).count("PREPARE") == 1 and _sent(first).count("EXECUTE") == 2
    connection.close()  # the server forgets it with the connection: prepared again, not EXECUTEd blind
    with CaptureQueriesContext(connection) as again, connection.cursor() as cursor:
        statement.execute(cursor, [5, 5, ""])
        assert cursor.fetchone() == (10, "")
    assert _sent(again).count("PREPARE") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_refused_in_the_round_trip_that_prepared_it_runs_again_after_the_rollback(world):  # noqa: F811
    taken = uuid.uuid4()
    insert_row(DeskSwipe, {"nonce": taken, "slot": world.slot_econ, "operator": world.operator})
    connection.close()
    refused = RowBatch()
    refused.add(AuditEvent, actor=world.operator, action="capture.record", data={})
    refused.add(DeskSwipe, nonce=taken, slot=world.slot_econ, operator=world.operator)
    # The PREPAREs went through before the nonce's INSERT failed; a rollback does not undo them.
    with pytest.raises(IntegrityError), transaction.atomic():
        refused.flush()
    for _ in range(2):
        batch = RowBatch()
        batch.add(AuditEvent, actor=world.operator, action="capture.record", data={"ok": True})
        batch.add(DeskSwipe, nonce=uuid.uuid4(), slot=world.slot_econ, operator=world.operator)
        with CaptureQueriesContext(connection) as sent, transaction.atomic():
            batch.flush()
        assert "PREPARE" not in _sent(sent)  # neither prepared twice nor lost
    assert AuditEvent.objects.filter(action="capture.record", data={"ok": True}).count() == 2
    assert DeskSwipe.objects.count() == 3


@pytest.mark.postgres
def test_a_column_whose_type_a_migration_changed_fails_one_run_then_is_prepared_again():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE rows_probe (code varchar(5)); INSERT INTO rows_probe VALUES ('a')")
        statement = Prepared("SELECT code FROM rows_probe WHERE code = %s")
        statement.execute(cursor, ["a"])
        assert cursor.fetchall() == [("a",)]
        cursor.execute("ALTER TABLE rows_probe ALTER COLUMN code TYPE varchar(40)")
        # PostgreSQL refuses the plan it holds once ("cached plan must not change result type").
        with pytest.raises(DatabaseError), transaction.atomic():
            statement.execute(cursor, ["a"])
        for _ in range(2):
            statement.execute(cursor, ["a"])
            assert cursor.fetchall() == [("a",)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_statements_someone_else_deallocated_are_prepared_again(world):  # noqa: F811
    statement = Prepared("SELECT %s::int * 2")
    with connection.cursor() as cursor:
        statement.execute(cursor, [2])
        cursor.execute("DEALLOCATE ALL")  # as another module's recovery may
        statement.execute(cursor, [3])  # outside a transaction: answered at once
        assert cursor.fetchone() == (6,)
        cursor.execute("DEALLOCATE ALL")
        with pytest.raises(DatabaseError), transaction.atomic():
            statement.execute(cursor, [4])  # its transaction is aborted: this run fails
        with transaction.atomic():
            statement.execute(cursor, [5])
            assert cursor.fetchone() == (10,)


@pytest.mark.postgres
def test_behind_a_transaction_pooler_statements_go_unprepared(monkeypatch):
    # DB_TRANSACTION_POOLER sets Django's flag: the next transaction may run on another server
    # connection, where a statement prepared on this one does not exist.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    statement = Prepared("SELECT %s::int + 40, '100%%'")
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        statement.execute(cursor, [2])
        assert cursor.fetchone() == (42, "100%")
    assert [q["sql"].split(" ", 1)[0] for q in queries.captured_queries] == ["SELECT"]
