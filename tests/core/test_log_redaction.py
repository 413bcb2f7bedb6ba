"""OAuth `code`/`state` and other secret query parameters never reach an access log.

Each server the app can run under is started for real (runserver, daphne's runserver, uvicorn,
gunicorn, the daphne command through `core.daphne_server`), serves the test database, and is sent
Spotify's callback with a code and a state; its own access log, as it writes it, must not hold them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from core.log_redaction import RedactSecretsFilter, redact_query
from tests.processes import database_url, free_port

BASE_DIR = Path(__file__).resolve().parents[2]
CODE = "AQD-the-authorization-code-4711"
STATE = "the-state-value-0815"
LINK_TOKEN = "signed-stream-token-1234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /spotify/redirect?code=abc&state=def HTTP/1.1",
            "GET /spotify/redirect?code=[redacted]&state=[redacted] HTTP/1.1",
        ),
        (
            "/admin/credentials/oauth-callback/?state=s1&code=c1",
            "/admin/credentials/oauth-callback/?state=[redacted]&code=[redacted]",
        ),
        ("code=abc&state=def", "code=[redacted]&state=[redacted]"),  # gunicorn's bare query string
        ("/api/songs/4/stream/?token=t0k&exp=99", "/api/songs/4/stream/?token=[redacted]&exp=99"),
        ("/x?API_KEY=k&Sig=s&page=2&key=", "/x?API_KEY=[redacted]&Sig=[redacted]&page=2&key="),
        ("/x?api%5Fkey=k", "/x?api%5Fkey=[redacted]"),
        (
            "/music/get-stored-songs/?q=state+of+mind&artist=Code",
            "/music/get-stored-songs/?q=state+of+mind&artist=Code",
        ),
        ("/join?zipcode=123&statement=x", "/join?zipcode=123&statement=x"),
        ("no query at all", "no query at all"),
    ],
)
def test_only_secret_values_are_redacted(text, expected):
    assert redact_query(text) == expected


def test_the_filter_keeps_each_records_argument_shapes():
    """uvicorn's formatter unpacks a 5-tuple; gunicorn formats with its own dict of atoms."""
    uvicorn_like = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/spotify/redirect?code={CODE}", "1.1", 302),
        None,
    )
    atoms = {"r": f"GET /spotify/redirect?code={CODE} HTTP/1.1", "q": f"code={CODE}", "s": "302"}
    gunicorn_like = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(q)s %(s)s", (atoms,), None
    )

    for record in (uvicorn_like, gunicorn_like):
        assert RedactSecretsFilter().filter(record) is True

    assert uvicorn_like.args[2] == "/spotify/redirect?code=[redacted]"
    assert uvicorn_like.args[4] == 302
    assert gunicorn_like.args is atoms
    assert gunicorn_like.getMessage() == "GET /spotify/redirect?code=[redacted] HTTP/1.1 code=[redacted] 302"


def test_the_servers_access_loggers_carry_the_filter():
    for name in settings.LOG_REDACTED_LOGGERS:
        assert any(isinstance(f, RedactSecretsFilter) for f in logging.getLogger(name).filters), name


# --- the real servers ---------------------------------------------------------------------------


def server_command(server: str, port: int) -> list[str]:
    python = sys.executable
    bind = f"127.0.0.1:{port}"
    return {
        # Django's own development server (WSGI): logger "django.server"
        "runserver": [python, "manage.py", "runserver", "--noasgi", "--noreload", bind],
        # daphne's development server (what `make run` starts): logger "django.channels.server"
        "daphne-runserver": [python, "manage.py", "runserver", "--noreload", bind],
        # uvicorn: logger "uvicorn.access", its own logging configuration and formatter
        "uvicorn": [
            python,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "config.asgi:application",
        ],
        # gunicorn: logger "gunicorn.access", written to its --access-logfile
        "gunicorn": [python, "-m", "gunicorn", "-b", bind, "--access-logfile", "-", "config.wsgi"],
        # the daphne command line writes its access log to stdout without `logging`
        "daphne": [
            python,
            "-m",
            "core.daphne_server",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
    }[server]


SERVERS = ("runserver", "daphne-runserver", "uvicorn", "gunicorn", "daphne")


class Server:
    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                server_command(name, self.port),
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, deadline: float) -> None:
        while True:
            try:
                httpx.get(f"{self.url}/health/", timeout=2)
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_no_access_log_holds_an_oauth_code_or_state(transactional_db, tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL_MAX_SIZE": "0",
        "LISTENING_SYNC_MINUTES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    servers = [Server(name, env, tmp_path / f"{name}.log") for name in SERVERS]  # started side by side
    try:
        deadline = time.monotonic() + 60
        for server in servers:
            server.wait_ready(deadline)
            httpx.get(f"{server.url}/spotify/redirect?code={CODE}&state={STATE}", timeout=10)
            httpx.get(f"{server.url}/api/songs/1/stream/?token={LINK_TOKEN}&exp=1", timeout=10)
        time.sleep(0.5)  # let the servers flush their access lines
    finally:
        for server in servers:
            server.stop()

    for server in servers:
        written = server.log.read_text()
        assert "/spotify/redirect?code=[redacted]&state=[redacted]" in written, (server.name, written[-2000:])
        assert "token=[redacted]&exp=1" in written, (server.name, written[-2000:])
        for secret in (CODE, STATE, LINK_TOKEN):
            assert secret not in written, f"{server.name} logged {secret}:\n{written[-2000:]}"
