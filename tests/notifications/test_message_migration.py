"""Inbox messages written as sentences before messages were codes stay readable after the migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Role
from notifications.models import Notification
from tests.factories import make_campaign, make_user

BEFORE = [("notifications", "0003_delivery_errors_as_codes")]
AFTER = [("notifications", "0004_messages_as_codes")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_sentences_become_legacy_messages_shown_as_they_were(client):
    user = make_user(Role.COORDINATOR, username="c1")
    campaign = make_campaign()
    try:
        old = _migrate(BEFORE)
        ContentType = old.get_model("contenttypes", "ContentType")
        subject = ContentType.objects.get(app_label="sessions_app", model="campaign")
        old.get_model("notifications", "Notification").objects.create(
            user_id=user.pk,
            kind="remittance_due",
            subject_type=subject,
            subject_id=campaign.pk,
            step="d-3",
            title="2021届：请于 2020年11月30日 前收齐并上交采集费",
            body="计算机学院：3 人未缴费，待上交 ¥51.00",
        )
        _migrate(AFTER)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    row = Notification.objects.get()
    assert row.code == "legacy.text"
    assert row.data == {
        "title": "2021届：请于 2020年11月30日 前收齐并上交采集费",
        "body": "计算机学院：3 人未缴费，待上交 ¥51.00",
    }
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "2021届：请于 2020年11月30日 前收齐并上交采集费" in page and "计算机学院：3 人未缴费，待上交 ¥51.00" in page
