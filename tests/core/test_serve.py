"""`make serve` (issue 13, items 1 and 2): the preflight refuses a misconfigured production, and the real
process set (gunicorn with uvicorn workers, the Celery worker and beat, under honcho) serves HTTP and
WebSockets on one port, under concurrent load, with PostgreSQL connections bounded by the pools and
back to their idle floor afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from websockets.sync.client import connect as websocket_connect

from config.celery import app as celery_app
from tests.factories import UserFactory
from tests.processes import database_url, free_port, serve_environment, wait_for
from users.services import auth_credentials_issue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
A_SECRET_KEY = "k" * 64


def preflight(**environment: str) -> subprocess.CompletedProcess[str]:
    """`python -m core.preflight` (what `make serve` runs first) with these settings."""
    return subprocess.run(
        [sys.executable, "-m", "core.preflight"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


POSTGRES_URL = "postgres://nobody@127.0.0.1:1/unused"  # never reached: the preflight refuses first


def test_preflight_refuses_debug_and_names_a_missing_secret_key() -> None:
    result = preflight(
        DEBUG="true", SECRET_KEY="", DATABASE_URL=POSTGRES_URL, REDIS_URL="redis://127.0.0.1:1/0"
    )

    assert result.returncode == 2
    assert "DEBUG is on: set DEBUG=false" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert "Operations to perform" not in result.stdout  # nothing migrated


def test_preflight_names_secret_key_when_debug_is_off() -> None:
    result = preflight(
        DEBUG="false", SECRET_KEY="", DATABASE_URL=POSTGRES_URL, REDIS_URL="redis://127.0.0.1:1/0"
    )

    assert result.returncode == 2
    assert "refusing to start: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


def test_preflight_refuses_sqlite_and_names_missing_redis_url(tmp_path) -> None:
    result = preflight(
        DEBUG="false",
        SECRET_KEY=A_SECRET_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
    )

    assert result.returncode == 2
    assert "DATABASE_URL must be PostgreSQL" in result.stderr
    assert "not sqlite3" in result.stderr
    assert "REDIS_URL is not set" in result.stderr
    assert "DEBUG" not in result.stderr
    assert "SECRET_KEY" not in result.stderr
    assert "Operations to perform" not in result.stdout


def test_postgresql_uses_a_bounded_pool_and_no_persistent_connections() -> None:
    """CONN_MAX_AGE > 0 kept one connection per ASGI worker thread open (issue 13: 97 of 100)."""
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES['default'];"
        "print(json.dumps({'age': d['CONN_MAX_AGE'], 'pool': d.get('OPTIONS', {}).get('pool')}))"
    )
    result = subprocess.run(  # noqa: S603 - our own settings, fixed arguments
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": POSTGRES_URL,
            "DATABASE_POOL_MIN_SIZE": "2",
            "DATABASE_POOL_MAX_SIZE": "7",
            "DATABASE_POOL_TIMEOUT": "3",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout.strip().splitlines()[-1])
    assert database["age"] == 0
    assert database["pool"] == {"min_size": 2, "max_size": 7, "timeout": 3.0, "max_idle": 2.0}


# --- The real process set ------------------------------------------------------------------------

WEB_WORKERS = 2
POOL_MIN = 1
POOL_MAX = 4


@dataclass
class Served:
    url: str
    port: int
    application_name: str
    log: Path

    def connections(self) -> int:
        """This process set's connections to the test database (the test's own are not counted)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = %s",
                [self.application_name],
            )
            return cursor.fetchone()[0]


def stop(process: subprocess.Popen, served: Served) -> None:
    """SIGTERM to make's process group (make, the preflight, honcho): honcho stops every process."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 20  # the workers' connections close as they exit
    while served.connections() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture
def served(transactional_db, tmp_path) -> Iterator[Served]:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and REDIS_URL: `make serve` refuses anything else (CI sets both)")
    port = free_port()
    served = Served(f"http://127.0.0.1:{port}", port, f"musichub-serve-test-{port}", tmp_path / "serve.log")
    environment = serve_environment(
        database_url=database_url(),
        redis_url=settings.REDIS_URL,
        scratch=tmp_path,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_WORKERS=str(WEB_WORKERS),
        CELERY_WORKER_CONCURRENCY="1",
        DATABASE_POOL_MIN_SIZE=str(POOL_MIN),
        DATABASE_POOL_MAX_SIZE=str(POOL_MAX),
        DATABASE_POOL_MAX_IDLE="2",
        # Beat's own schedules would start tasks at any moment; this test starts the one it counts.
        LISTENING_SYNC_MINUTES="0",
        SYNC_WATCHDOG_SECONDS="0",
        WORKER_HEARTBEAT_SECONDS="0",
        PGAPPNAME=served.application_name,  # libpq tags every connection of the process set
    )
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=BASE_DIR,
        env=environment,
        stdout=served.log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"make serve exited ({process.returncode}):\n{served.log.read_text()}")
            try:
                httpx.get(f"{served.url}/api/songs/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"make serve did not start:\n{served.log.read_text()}") from None
                time.sleep(0.3)
        yield served
    finally:
        stop(process, served)


class Sampler(threading.Thread):
    """Counts the process set's connections every 50 ms on a connection of its own."""

    def __init__(self, application_name: str) -> None:
        super().__init__(daemon=True)
        self.application_name = application_name
        self.peak = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        db = connection.settings_dict
        with psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            application_name="musichub-serve-test-sampler",
            autocommit=True,
        ) as sampler:
            while not self.stopping.is_set():
                count = sampler.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = %s",
                    [self.application_name],
                ).fetchone()[0]
                self.peak = max(self.peak, count)
                time.sleep(0.05)


def test_make_serve_answers_http_and_websockets_under_load_within_the_pools(served: Served) -> None:
    user, sender = UserFactory(), UserFactory()
    key = auth_credentials_issue(user=user).key
    sender_key = auth_credentials_issue(user=sender).key
    headers = {"Authorization": f"Token {key}"}

    # HTTP and a WebSocket on the same port; a message sent through HTTP reaches the socket (maybe
    # through the other worker process: the Redis channel layer carries it).
    assert httpx.get(f"{served.url}/api/songs/", headers=headers, timeout=10).status_code == 200
    # uvicorn's proxy headers are off (NUM_PROXIES decides), and the access log is redacted.
    spoofed = httpx.get(
        f"{served.url}/api/songs/?code=OAUTHCODE4242&page=1",
        headers={**headers, "X-Forwarded-For": "203.0.113.9"},
        timeout=10,
    )
    assert spoofed.status_code == 200
    wait_for(lambda: "/api/songs/?code=[redacted]&page=1" in served.log.read_text(), timeout=5)
    log = served.log.read_text()
    assert "OAUTHCODE4242" not in log
    assert "203.0.113.9" not in log
    assert "127.0.0.1:" in log.split("/api/songs/?code=[redacted]")[0].splitlines()[-1]
    with websocket_connect(
        f"ws://127.0.0.1:{served.port}/ws/messages/",
        subprotocols=[f"token.{key}"],
        origin=served.url,
        open_timeout=10,
    ) as websocket:
        assert websocket.subprotocol == f"token.{key}"
        sent = httpx.post(
            f"{served.url}/api/messages/",
            json={"receiver": user.pk, "content": "through the other worker, maybe"},
            headers={"Authorization": f"Token {sender_key}"},
            timeout=10,
        )
        assert sent.status_code == 201, sent.text
        assert "through the other worker, maybe" in websocket.recv(timeout=10)

    # 200 requests from 20 threads: no error, and never more connections than the pools hold.
    floor, ceiling = WEB_WORKERS * POOL_MIN, WEB_WORKERS * POOL_MAX
    wait_for(lambda: served.connections() <= floor, timeout=10)  # what the socket and the message used
    sampler = Sampler(served.application_name)
    sampler.start()
    paths = ["/api/songs/", "/music/get-stored-songs/"] * 100
    with httpx.Client(headers=headers, timeout=30, limits=httpx.Limits(max_connections=20)) as client:

        def status(path: str) -> int | str:
            try:
                return client.get(f"{served.url}{path}").status_code
            except httpx.HTTPError as exc:
                return repr(exc)

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(status, paths))
    errors = [s for s in statuses if s != 200]
    assert errors == [], f"{len(errors)} errors, e.g. {errors[:5]}"

    # Back to each pool's idle minimum within 10 s.
    settle = wait_for(lambda: served.connections() <= floor, timeout=10)
    sampler.stopping.set()
    sampler.join()
    assert sampler.peak <= ceiling, f"{sampler.peak} connections > {WEB_WORKERS} workers x {POOL_MAX}"
    assert sampler.peak > floor, "the load never needed more than the idle connections: it measured nothing"
    print(f"peak {sampler.peak} connections (ceiling {ceiling}), back to <= {floor} in {settle:.1f} s")

    # The Celery worker runs a task that reads the database and keeps no connection afterwards.
    celery_app.conf.task_always_eager = False  # through the broker (the autouse fixture restores it)
    celery_app.send_task("listening.resume_dead_sync_jobs")

    def task_succeeded() -> bool:
        lines = served.log.read_text().splitlines()
        return any("listening.resume_dead_sync_jobs[" in line and "succeeded" in line for line in lines)

    wait_for(task_succeeded, timeout=20)
    assert served.connections() <= floor
