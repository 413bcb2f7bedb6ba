"""Two simultaneous creates for the same service: one 201, one 400, never a 500 (real threads)."""

import threading

import pytest
from django.db import connections

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.secrets_watch import secret
from users.models import UserApiKey


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_give_one_201_and_one_400():
    user = UserFactory()
    clients = [client_for(user, "token"), client_for(user, "jwt")]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    bodies: list[dict] = []

    def create(client):
        try:
            barrier.wait(timeout=10)
            response = client.post(
                "/users/api-keys/", {"service_name": "spotify", "api_key": secret()}, format="json"
            )
            statuses.append(response.status_code)
            bodies.append(response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [201, 400], bodies
    refused = next(
        body for body in bodies if "service_name" in body and isinstance(body["service_name"], list)
    )
    assert refused["service_name"] == ["API key with this service name already exists"]
    assert UserApiKey.objects.filter(user=user).count() == 1
