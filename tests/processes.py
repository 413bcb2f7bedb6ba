"""For tests that start real processes (servers, workers) on the test database."""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import redis
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL for a child process, pointing at this test run's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def wait_for(condition: Callable[[], object], timeout: float, what: str = "the condition") -> float:
    """Seconds until condition() held, polling every 0.1 s; fails naming `what` after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - started


def serve_environment(
    *, database_url: str, redis_url: str, scratch: Path, **overrides: str
) -> dict[str, str]:
    """The environment of `make serve`'s processes: production settings (the preflight refuses
    anything less) on these PostgreSQL and Redis, with their files under `scratch`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(scratch / "static"),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(scratch / "celerybeat-schedule"),
        **overrides,
    }


def procfile_command(name: str) -> list[str]:
    """The Procfile's command for a process type (web, worker, beat), as `make serve` runs it."""
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name and not line.lstrip().startswith("#"):
            return shlex.split(command)
    raise LookupError(f"no {name!r} process in the Procfile")


class Started:
    """One process of the set, started as `make serve` starts it: from the Procfile, with the venv's
    programs first on PATH, in a session of its own (so the process and its children stop together)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.log = command, log
        venv_bin = str(Path(sys.executable).parent)
        with log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
                command,
                cwd=BASE_DIR,
                env={**env, "PATH": f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            command, code = shlex.join(self.command), self.process.returncode
            raise RuntimeError(f"{command} exited ({code}):\n{self.output()}")

    def _signal_group(self, signum: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def group_pids(self) -> list[int]:
        """The running processes of its session: the process itself and its children."""
        return _group_members(self.process.pid)

    def kill(self) -> None:
        """SIGKILL to the process and its children, as the OOM killer would: no shutdown at all."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)
        # The children outlive the parent's exit for a moment: gone when the group is empty.
        wait_for(lambda: not self.group_pids(), 10, f"every process of {self.command[0]} to die")

    def terminate(self) -> None:
        """SIGTERM to the process and its children: they stop as under a supervisor's stop."""
        self._signal_group(signal.SIGTERM)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the process and its children, SIGKILL after `timeout`."""
        self.terminate()
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)


def _group_members(pgid: int) -> list[int]:
    """The processes of a process group still running (a zombie waiting for its parent is not)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _postgres_server() -> dict[str, object]:
    """Where this run's PostgreSQL is (the test database's server), else the local one."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return {
            "host": db["HOST"] or "127.0.0.1",
            "port": int(db["PORT"] or 5432),
            "user": db["USER"] or "postgres",
            "password": db["PASSWORD"] or None,
        }
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": None}


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named `prefix…` (its URL), dropped afterwards whatever happens."""
    server = _postgres_server()
    name = f"{prefix}{os.getpid()}_{secrets.token_hex(3)}"
    admin = {**server, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as maintenance:
        maintenance.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(str(server["user"]), safe="")
    if server["password"]:
        credentials += ":" + quote(str(server["password"]), safe="")
    try:
        yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(**admin) as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_redis(db: int) -> Iterator[str]:
    """This run's Redis server (else the local one) at database `db`, flushed before and after."""
    server = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    url = server._replace(path=f"/{db}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


class ServerProcess:
    """An ASGI server of the project (uvicorn, daphne…) on a free loopback port, its output in `log`."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        argv = [arg.format(port=self.port) for arg in command]
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [sys.executable, "-m", *argv],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str = "/health/", timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on {self.port} exited:\n{self.log.read_text()}")
            try:
                httpx.get(f"{self.url}{path}", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"server on {self.port} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
