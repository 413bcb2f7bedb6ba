import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_database_and_cache_answer(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_names_the_cache_when_it_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis refused the connection")

    monkeypatch.setattr(cache, "set", broken)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


def test_health_names_the_database_when_it_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["cache"] == "ok"
