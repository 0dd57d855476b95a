"""core.compiled: a queryset compiled once and run with new values gives what the queryset gives."""

import pytest
from django.db import connection, models
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from core.compiled import CompiledQuery
from core.rows import numbered
from sessions_app.models import Student
from tests.factories import make_campaign, make_college, make_student, make_user

pytestmark = pytest.mark.django_db


def test_numbered_placeholders_keep_a_literal_percent_escaped():
    assert numbered("SELECT %s, '100%%', %s, '%%s'") == ("SELECT $1, '100%%', $2, '%%s'", 2)


def _students_of(user_id):
    peers = Student.objects.filter(college=OuterRef("college")).order_by().values("college")
    return (
        Student.objects.filter(user_id=user_id)
        .select_related("campaign", "college")
        .annotate(peers=Subquery(peers.annotate(n=Count("pk")).values("n")))
        .order_by("-campaign__created_at")[:1]
    )


def test_each_run_gives_the_row_of_its_own_values_as_the_queryset_would():
    built = []

    def build(user_id):
        built.append(user_id)
        return _students_of(user_id)

    query = CompiledQuery("test_students_of", build, user_id=models.IntegerField())
    campaign, college = make_campaign(), make_college("经济学院")
    students = [make_student(campaign, college, user=make_user("student")) for _ in range(2)]
    make_student(campaign, make_college("法学院"))
    for student in students:
        expected = _students_of(student.user_id).first()
        with CaptureQueriesContext(connection) as queries:
            found = query.first(user_id=student.user_id)
            # select_related rows come with it: no query to read them.
            assert (found.campaign.name, found.college.name) == (campaign.name, "经济学院")
        assert len(queries) == 1
        assert found == expected == student and found.name == student.name and found.peers == 2
    assert query.first(user_id=make_user("student").pk) is None
    assert len(built) == 1  # built and compiled once


def test_a_builder_that_leaves_out_a_parameter_is_refused():
    query = CompiledQuery("test_missing", lambda user_id: Student.objects.all()[:1], user_id=models.IntegerField())
    for _ in range(2):  # and stays refused: nothing half-compiled is kept
        with pytest.raises(ValueError, match="not every parameter"):
            query.first(user_id=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_statement_is_prepared_once_per_connection_and_again_after_a_failure():
    query = CompiledQuery("test_prepared", _students_of, user_id=models.IntegerField())
    student = make_student(make_campaign(), make_college(), user=make_user("student"))

    def run():
        with CaptureQueriesContext(connection) as queries:
            assert query.first(user_id=student.user_id) == student
        (sql,) = [q["sql"] for q in queries.captured_queries]
        return sql.split(" ", 1)[0]

    # A statement is named after its text: another test's query of the same text may be prepared on
    # this connection already.
    connection.close()
    assert run() == "PREPARE"
    assert run() == run() == "EXECUTE"
    connection.close()  # a new connection has no prepared statement
    assert run() == "PREPARE"
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler resetting the session would
    # Outside a transaction the run notices at once and prepares again (core.rows.Prepared).
    assert query.first(user_id=student.user_id) == student
    assert run() == "EXECUTE"
