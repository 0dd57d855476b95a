import pytest

from tests.sessions_app.test_roster_support import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff)
    return client
