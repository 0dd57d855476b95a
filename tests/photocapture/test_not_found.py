"""A 404 says what we wrote, never Django's English ("No Slot matches the given query.")."""

import pytest

from accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_django_s_own_404_words_are_not_shown(client):
    client.force_login(make_user(Role.OPERATOR))
    page = client.get("/capture/desk/999999/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "页面不存在" in text and "matches the given query" not in text and "Slot" not in text
    assert "Resolver404" not in client.get("/no-such-page/").content.decode()


def test_our_own_404_message_is_shown(client):
    client.force_login(make_user(Role.STAFF))
    page = client.get("/jobs/999999/")
    assert page.status_code == 404 and "没有这个任务，或你无权查看" in page.content.decode()
