"""Staff make and revoke tokens on /api/tokens/; the key is shown once, on the answer page."""

import pytest

from accounts.models import Role
from api.models import ApiToken, Scope
from tests.factories import make_user

from .conftest import auth

pytestmark = pytest.mark.django_db


def test_staff_create_a_token_and_see_its_key_once(client, world, staff):
    client.force_login(staff)
    assert 'href="/api/tokens/"' in client.get("/capture/staff/").content.decode()  # in the staff's header
    response = client.post(
        "/api/tokens/",
        {
            "name": "新华社图像采集中心",
            "campaigns": [world["campaign"].pk],
            "scopes": [Scope.ROSTER, Scope.CAPTURE],
            "rate_per_minute": 60,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "令牌只显示这一次" in page
    token = ApiToken.objects.get()
    key = page.split('data-testid="token-key">')[1].split("<")[0]
    assert key.startswith(f"pc_{token.prefix}.")
    assert token.scopes == [Scope.CAPTURE, Scope.ROSTER] and token.rate_per_minute == 60
    listing = client.get("/api/tokens/").content.decode()
    assert "新华社图像采集中心" in listing and token.prefix in listing and "采集状态与拍摄号" in listing
    assert key not in listing
    client.logout()
    assert client.get("/api/v1/campaigns/c2021/students", **auth(key)).status_code == 200


def test_staff_revoke_a_token_from_the_page(client, world, make_token, staff):
    token, key = make_token([world["campaign"]])
    client.force_login(staff)
    response = client.post(f"/api/tokens/{token.pk}/revoke/", follow=True)
    assert "已吊销令牌" in response.content.decode()
    client.logout()
    assert client.get("/api/v1/campaigns/c2021/students", **auth(key)).status_code == 401


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELOR, Role.OPERATOR, Role.STUDENT])
def test_only_staff_reach_the_token_page(client, world, make_token, role):
    token, _key = make_token([world["campaign"]])
    client.force_login(make_user(role))
    assert client.get("/api/tokens/").status_code == 403
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
