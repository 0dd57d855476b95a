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


def test_the_admins_list_labels_are_words_in_both_languages(client, settings):
    """Its checkboxes (screen readers read them, the delete page lists them) name the job and its
    status; its headers and filters are words, in the reader's language."""
    campaign = make_campaign()
    client.force_login(make_user(Role.STAFF, is_superuser=True, is_staff=True))
    client.post(reverse("export", args=["roster"]) + f"?campaign={campaign.code}")
    page = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    labels = re.findall(r'class="action-select" aria-label="([^"]*)"', page)
    assert labels == ["选择此对象执行操作 - 导出：学生名单（排队中）"], labels
    headers = re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', page)
    headers = [h for h in headers if h]  # the select-all checkbox column has no words
    assert headers == ["编号", "任务", "发起人", "状态", "已处理", "总数", "创建时间", "结束时间"], headers
    assert re.findall(r'data-filter-title="([^"]*)"', page) == ["状态", "任务类型"]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("admin:jobs_job_changelist")).content.decode()
    labels = re.findall(r'class="action-select" aria-label="([^"]*)"', page)
    assert labels == ["Select this object for an action - Export: Roster (Queued)"], labels
    headers = re.findall(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<', page)
    headers = [h for h in headers if h]  # the select-all checkbox column has no words
    assert headers == ["No.", "Job", "Started by", "Status", "Processed", "Total", "Created at", "Finished at"], headers
    assert re.findall(r'data-filter-title="([^"]*)"', page) == ["Status", "Job type"]


def test_the_admins_delete_page_names_the_job_not_its_kind_and_key(client):
    from jobs.models import Job

    campaign = make_campaign()
    client.force_login(make_user(Role.STAFF, is_superuser=True, is_staff=True))
    client.post(reverse("export", args=["roster"]) + f"?campaign={campaign.code}")
    job = Job.objects.get()
    response = client.get(reverse("admin:jobs_job_delete", args=[job.pk]))
    assert response.status_code == 200
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    assert "导出：学生名单" in page and "roster:" not in page and "export " not in page
    assert str(job) == "导出：学生名单"
