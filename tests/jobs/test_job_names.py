"""Issue 24 item 3: a job is named by which report it makes, in the reader's language, and no page
shows its kind and key (`export`, `roster:2:1`)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import make_campaign, make_user

pytestmark = pytest.mark.django_db


def test_an_export_job_says_which_report_in_both_languages(client, settings):
    campaign = make_campaign()
    staff = make_user(Role.STAFF, is_superuser=True, is_staff=True)
    client.force_login(staff)
    for name in ("roster", "retakes"):
        assert client.post(reverse("export", args=[name]) + f"?campaign={campaign.code}").status_code in (200, 302)

    listing = client.get(reverse("jobs:list")).content.decode()
    assert "导出：学生名单" in listing and "导出：补拍名单" in listing and "导出报表" not in listing

    # The admin's list as read (its checkboxes' labels still name the row by its code).
    admin = re.sub(r"<[^>]+>", " ", client.get(reverse("admin:jobs_job_changelist")).content.decode())
    assert "导出：学生名单" in admin and "roster:" not in admin and " export " not in admin

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("jobs:list")).content.decode()
    assert "Export: Roster" in english and "Export: Retake list" in english


def test_the_admins_page_of_one_job_is_titled_by_its_name_not_its_key(client):
    from jobs.models import Job

    campaign = make_campaign()
    client.force_login(make_user(Role.STAFF, is_superuser=True, is_staff=True))
    client.post(reverse("export", args=["roster"]) + f"?campaign={campaign.code}")
    page = client.get(reverse("admin:jobs_job_change", args=[Job.objects.get().pk])).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "导出：学生名单" in title and "导出：学生名单" in heading
    assert "roster:" not in title + heading and "export" not in title + heading
