import pytest
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify


@pytest.fixture
def host(sandbox, db):
    user = UserFactory(full_name="Hosting Harriet")
    connect_spotify(sandbox, user)
    return user


@pytest.fixture
def host_client(host) -> APIClient:
    return client_for(host, "token")


@pytest.fixture
def room_code(host_client) -> str:
    response = host_client.post("/api/rooms/", {"guest_can_pause": False, "votes_to_skip": 2}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["code"]


@pytest.fixture
def anonymous_guest() -> APIClient:
    return APIClient()  # known by the session cookie the API gives it


@pytest.fixture
def signed_in_guest(db) -> APIClient:
    return client_for(UserFactory(full_name="Guest Greg"), "jwt")
