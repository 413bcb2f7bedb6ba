"""A pool that has no free connection in time is "busy" (503 + Retry-After), never a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from tests.factories import UserFactory


def pool_timeout() -> OperationalError:
    """What Django raises when psycopg_pool gives up: its OperationalError, caused by PoolTimeout."""
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError as exc:
        return exc


@pytest.fixture
def busy_pool(monkeypatch):
    def refuse(*args, **kwargs):
        raise pool_timeout()

    monkeypatch.setattr("users.api.views.selectors.user_list_others", refuse)


@pytest.mark.django_db
def test_an_api_request_that_finds_no_connection_is_a_503_with_retry_after(busy_pool, client):
    client.force_login(UserFactory())

    response = client.get("/api/users/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json()["code"] == "server_busy"


def test_other_database_errors_are_left_alone():
    from core.db_busy import DatabaseBusyMiddleware

    middleware = DatabaseBusyMiddleware(lambda request: None)

    assert middleware.process_exception(None, OperationalError("connection refused")) is None
    assert middleware.process_exception(None, pool_timeout()) is not None


@pytest.mark.django_db
def test_a_page_that_finds_no_connection_is_a_503_too(monkeypatch, client):
    def refuse(*args, **kwargs):
        raise pool_timeout()

    monkeypatch.setattr("web.accounts.render", refuse)

    response = client.get("/signup")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
