"""MusicHub's real ASGI application (uvicorn, as production runs it) in its own process, on the test
database, for the tests that drive the ListenBrainz API over HTTP with real clients."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.processes import database_url, free_port

BASE_DIR = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, log: Path, **environment: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
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
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()}")
            try:
                httpx.get(f"{self.url}/health/", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
