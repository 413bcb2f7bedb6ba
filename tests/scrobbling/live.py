"""MusicHub's real ASGI application (uvicorn, as production runs it) in its own process, on the test
database, for the tests that drive the ListenBrainz API over HTTP with real clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import ServerProcess, database_url

BASE_DIR = Path(__file__).resolve().parents[2]


class LiveServer(ServerProcess):
    """uvicorn, as production runs it, with the test's settings."""

    def __init__(self, log: Path, **environment: str) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL_MAX_SIZE": "0",  # no connection outlives a request (the tests flush the tables)
            "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            **environment,
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        command = [
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--no-proxy-headers",
            "--log-level",
            "warning",
        ]
        super().__init__(command, env, log)


@pytest.fixture(scope="session")
def live_musichub(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[LiveServer]:
    """One server for the run (tests/scrobbling/conftest.py); each test brings its own committed rows
    (transactional_db)."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    server = LiveServer(log, LISTENBRAINZ_RATE_LIMIT="1000/10s")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
