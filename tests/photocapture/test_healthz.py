import pytest
from django.db.utils import OperationalError

from accounts.models import Role
from photocapture import views
from tests.factories import make_user


@pytest.mark.django_db
def test_healthz_tells_anonymous_callers_only_up_or_down(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_shows_staff_what_is_up(client):
    client.force_login(make_user(Role.STAFF))
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, settings):
    staff = make_user(Role.STAFF)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    client.force_login(staff)
    assert client.get("/healthz").json()["broker"] == {"ok": False, "detail": "ConnectionError"}
