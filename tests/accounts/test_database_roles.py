"""Issue 11, item 9: append-only is enforced by the database, for the owner and the app's role.

The test database is migrated by the superuser pytest connects as; the app role is made here
(inside the test's transaction, so it disappears afterwards) and granted by the same command CI
and docker-compose run, then the statements are tried with the role's privileges (SET ROLE is
how PostgreSQL checks privileges: by the current role). With DATABASE_APP_URL set (CI), the last
test also connects to the migrated database as the real app role.
"""

import io
import os
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.audit import record_event
from accounts.management.commands.grant_app_role import append_only_tables
from accounts.models import Role
from capture_day.services import check_in
from fees import remittances, services
from fees.models import Method
from retakes import services as retake_services
from retakes.models import Channel, Reason
from tests.factories import make_campaign, make_college, make_desk_operator, make_slot, make_student, make_user
from verification import services as verification_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

APPEND_ONLY = {
    "fees_entry",
    "accounts_auditevent",
    "fees_remittanceconfirmation",
    "fees_servicecount",
    "fees_grouppayment",
    "fees_grouppaymentitem",
    "fees_confirmationreversal",
    "verification_reportstep",
    "retakes_retakeevent",
}


@pytest.fixture
def app_role():
    role = f"app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    call_command("grant_app_role", "--role", role, stdout=io.StringIO())
    return role


@pytest.fixture
def one_row_each():
    """A row in every append-only table, made through the services."""
    campaign = make_campaign()
    college = make_college()
    staff = make_user(Role.STAFF)
    student = make_student(campaign, college, user=make_user(Role.STUDENT))
    slot = make_slot(campaign)
    check_in(campaign=campaign, slot=slot, identifier=student.student_no, operator=make_desk_operator(slot))
    services.post_payment(
        student=student, amount="17", method=Method.CASH, actor=staff, idempotency_key=uuid.uuid4().hex
    )
    remittance, _created = remittances.create_remittance(
        campaign=campaign, college=college, actor=staff, idempotency_key=uuid.uuid4().hex
    )
    remittances.confirm_remittance(remittance=remittance, actor=staff, received_amount=remittance.amount)
    remittances.reverse_confirmation(remittance=remittance, actor=staff, reason="填错")
    remittances.record_service_count(campaign=campaign, college=college, count=1, actor=staff)
    classmate = make_student(campaign, college)
    check_in(campaign=campaign, slot=slot, identifier=classmate.student_no, operator=make_desk_operator(slot))
    services.mark_paid(
        students=[classmate], method=Method.CASH, actor=staff, idempotency_key=uuid.uuid4().hex, payer="班长"
    )
    verification_services.report_problem(
        student=student, problem_type="wrong_data", description="姓名有误", actor=student.user
    )
    retake_services.create_request(student=student, actor=staff, reason=Reason.INTERNSHIP, channel=Channel.ONLINE)
    record_event(actor=staff, action="id_numbers.shown_full", data={"where": "export:roster", "rows": 1})
    return student


def run_as(role: str | None, sql: str, params=None) -> DatabaseError | None:
    """Run one statement (as `role`, or as the connection's own role); the error, if refused."""
    savepoint = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            if role:
                cursor.execute(f'SET ROLE "{role}"')
            cursor.execute(sql, params)
            if role:
                cursor.execute("RESET ROLE")
    except DatabaseError as exc:
        transaction.savepoint_rollback(savepoint)
        return exc
    transaction.savepoint_rollback(savepoint)  # whatever it did, undo it: the next check starts clean
    return None


def refused_for_privilege(error) -> bool:
    cause = getattr(error, "__cause__", None)
    return error is not None and (getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)) == "42501"


def test_every_append_only_model_is_covered():
    assert set(append_only_tables()) == APPEND_ONLY


def test_app_role_cannot_update_delete_or_truncate_append_only_tables(app_role, one_row_each):
    for table in APPEND_ONLY:
        assert run_as(app_role, f"SELECT count(*) FROM {table}") is None
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
            error = run_as(app_role, sql)
            assert refused_for_privilege(error), (sql, error)


def test_app_role_can_do_its_work(app_role, one_row_each):
    assert run_as(app_role, "UPDATE sessions_app_student SET name = name") is None
    assert run_as(app_role, "DELETE FROM accounts_loginfailure") is None
    assert (
        run_as(
            app_role,
            "INSERT INTO accounts_auditevent (created_at, action, object_id, data) VALUES (now(), 'test', '', '{}')",
        )
        is None
    )


def test_app_role_cannot_drop_the_guards(app_role):
    for sql in (
        "DROP TRIGGER fees_entry_append_only ON fees_entry",
        "ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE fees_entry CASCADE",
    ):
        assert refused_for_privilege(run_as(app_role, sql)), sql


def test_triggers_refuse_even_the_owner(one_row_each):
    for table in APPEND_ONLY:
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            error = run_as(None, sql)
            assert error is not None and "append-only" in str(error), (sql, error)


def test_grant_refuses_a_superuser_or_an_owner():
    with pytest.raises(CommandError, match="超级用户"):
        call_command("grant_app_role", "--role", connection.settings_dict["USER"] or "postgres", stdout=io.StringIO())
    role = f"own_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        cursor.execute(f"CREATE TABLE owned_{role} (id int)")
        cursor.execute(f'ALTER TABLE owned_{role} OWNER TO "{role}"')
    with pytest.raises(CommandError, match="不能拥有"):
        call_command("grant_app_role", "--role", role, stdout=io.StringIO())


def test_the_real_app_role_connection():
    """CI (.ci/run) migrates `photocapture` as the owner and grants the app role; connect as it."""
    url = os.environ.get("DATABASE_APP_URL")
    if not url:
        pytest.skip("needs DATABASE_APP_URL (the app role's connection, set by .ci/run)")
    import psycopg2
    import psycopg2.errors

    conn = psycopg2.connect(url)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False,)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user"
        )
        assert cursor.fetchone() == (0,)
        for sql in ("TRUNCATE fees_entry CASCADE", "UPDATE accounts_auditevent SET id = id", "DELETE FROM fees_entry"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(sql)
            conn.rollback()
        cursor.execute("SELECT count(*) FROM sessions_app_student")
    finally:
        conn.rollback()
        conn.close()
