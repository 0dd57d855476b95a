"""Existing campaigns and roster codes are migrated: a single 刷证方式 becomes a list, and a 采集码
that an import stored in clear becomes its keyed hash (the same one the desk computes)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sessions_app.collection_codes import code_hash
from sessions_app.idcard import make_id_number

BEFORE = [("sessions_app", "0008_student_college_list_index")]
AFTER = [("sessions_app", "0011_drop_clear_collection_code")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_clear_codes_become_hashes_and_the_method_a_list():
    old = _migrate(BEFORE)
    Campaign = old.get_model("sessions_app", "Campaign")
    College = old.get_model("sessions_app", "College")
    Student = old.get_model("sessions_app", "Student")
    by_code = Campaign.objects.create(
        code="qr", name="qr", capture_dates="2023-11-26", identification="collection_code"
    )
    by_card = Campaign.objects.create(code="card", name="card", capture_dates="2020-11-26")
    college = College.objects.create(name="迁移学院")
    common = {
        "college": college,
        "name": "王五",
        "id_number": make_id_number(area="210202", birth=datetime.date(1999, 5, 1), sequence=7),
    }
    coded = Student.objects.create(campaign=by_code, student_no="1", collection_code=" QRabc\n", **common)
    plain = Student.objects.create(campaign=by_card, student_no="2", **common)
    try:
        new = _migrate(AFTER)
        Campaign = new.get_model("sessions_app", "Campaign")
        Student = new.get_model("sessions_app", "Student")
        assert Campaign.objects.get(code="qr").identification_methods == ["collection_code", "student_no"]
        assert Campaign.objects.get(code="card").identification_methods == ["id_card", "student_no"]
        assert Student.objects.get(pk=coded.pk).collection_code_hash == code_hash("QRabc")
        assert Student.objects.get(pk=plain.pk).collection_code_hash is None
    finally:
        _migrate(AFTER)
        Student.objects.all().delete()
        Campaign.objects.all().delete()
        College.objects.filter(name="迁移学院").delete()
