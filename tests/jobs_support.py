"""Run a page's background job the way a user meets it: click, land on the job page, download."""

import re

from django.test import TestCase
from django.urls import reverse


def start_from_page(client, url, data=None):
    """POST the button; the job runs when the request's transaction commits (eager Celery)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302, response
    match = re.fullmatch(r"/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def export_file(client, name, campaign_code):
    """The export as the user downloads it from its job page: (job page html, file response)."""
    job_id = start_from_page(client, reverse("export", args=[name]) + f"?campaign={campaign_code}")
    page = client.get(reverse("jobs:detail", args=[job_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "已完成" in html and reverse("jobs:file", args=[job_id]) in html, html
    return html, client.get(reverse("jobs:file", args=[job_id]))


def export_bytes(client, name, campaign_code) -> bytes:
    _html, response = export_file(client, name, campaign_code)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)
