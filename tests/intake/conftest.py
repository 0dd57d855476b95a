import pytest

from tests.roster_world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.staff)
    return client
