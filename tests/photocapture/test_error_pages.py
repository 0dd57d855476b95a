import pytest
from django.test import override_settings

from accounts.models import Role
from tests.factories import make_user


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_unknown_page_answers_in_chinese(client):
    client.force_login(make_user(Role.STUDENT))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_forbidden_page_answers_in_chinese(client):
    client.force_login(make_user(Role.STUDENT))
    response = client.get("/capture/staff/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
