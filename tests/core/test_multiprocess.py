"""The process set scales out (issue 13, item 5): two web processes and one Celery worker, started with
the Procfile's own commands after the preflight (as `make serve` starts them), share one PostgreSQL
database and one Redis, and nothing a request starts depends on which process it reached.

- A Spotify connection started through web A is finished through web B, a sync requested through A
  is run by the worker, and its progress, read through B, reaches `done` with every play stored.
- Members of a room connected by WebSocket to A and to B both see a vote made through A, and the
  host's skip made through B (the Redis channel layer carries each announcement).
- The worker is SIGKILLed (with its pool children) in the middle of a Last.fm backfill; a new worker
  is started, beat's watchdog resumes the silent job, and the stored history is exactly the
  sandbox's: no listen lost, none stored twice.

Its own resources: a scratch PostgreSQL database `musichub_mp_…` (dropped afterwards) and Redis db 13
(flushed before and after), on this run's servers (or the local ones when the run uses SQLite).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as websocket_connect

from listening.sync import LASTFM_PAGE_SIZE
from sandbox.services import lastfm as lastfm_sandbox
from sandbox.services import spotify as spotify_sandbox
from tests.processes import (
    Started,
    free_port,
    procfile_command,
    scratch_database,
    scratch_redis,
    serve_environment,
    wait_for,
)
from tests.sandbox_fixture import SandboxHandle
from tests.spotify_browser import consent

REDIS_DB = 13
DEAD_SECONDS = 5  # a sync job silent this long has lost its worker (SYNC_JOB_DEAD_SECONDS)
WATCHDOG_SECONDS = 1  # how often beat has the worker look for such jobs (SYNC_WATCHDOG_SECONDS)
SLOW_LASTFM = 0.4  # seconds each Last.fm answer takes until the kill, so the worker dies mid-backfill
PASSWORD = "a long test passphrase 42"
STARTUP = 120  # generous: a busy 2-core machine starts five Django processes at once
PATIENCE = 60


@dataclass
class Web:
    url: str
    port: int
    started: Started

    def get(self, path: str, key: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={"Authorization": f"Token {key}"}, timeout=30, **kwargs)

    def post(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Token {key}"} if key else {}
        return httpx.post(f"{self.url}{path}", headers=headers, timeout=30, **kwargs)


@dataclass
class ProcessSet:
    a: Web
    b: Web
    worker: Started
    beat: Started
    env: dict[str, str]
    database_url: str
    scratch: Path
    sandbox: SandboxHandle
    started: list[Started]  # every process, stopped at the end

    def restart_worker(self) -> Started:
        """A new worker (the Procfile's command again), as a supervisor would start it."""
        workers = sum(1 for process in self.started if process.command == self.worker.command)
        log = self.scratch / f"worker-{workers + 1}.log"
        self.worker = Started(procfile_command("worker"), self.env, log)
        self.started.append(self.worker)
        return self.worker

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as database:
            return database.execute(query, params).fetchall()


def _ready(web: Web, processes: list[Started]) -> bool:
    """/health/ready/ answers 200: the database, Redis, and a worker's heartbeat (written when it started)."""
    for process in processes:
        process.check_running()
    try:
        return httpx.get(f"{web.url}/health/ready/", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def process_set(sandbox_server: SandboxHandle, tmp_path_factory) -> Iterator[ProcessSet]:
    scratch = tmp_path_factory.mktemp("multiprocess")
    (scratch / "prometheus").mkdir()
    sandbox_server.reset()
    port_a, port_b = free_port(), free_port()
    with scratch_database("musichub_mp_") as database_url, scratch_redis(REDIS_DB) as redis_url:
        env = serve_environment(
            database_url=database_url,
            redis_url=redis_url,
            scratch=scratch,
            **sandbox_server.env,
            # Spotify sends the browser back to web B (the flow starts on web A).
            SPOTIFY_REDIRECT_URI=f"http://127.0.0.1:{port_b}/spotify/redirect",
            PROMETHEUS_MULTIPROC_DIR=str(scratch / "prometheus"),  # what `make serve` gives every process
            WEB_WORKERS="1",
            CELERY_WORKER_CONCURRENCY="2",
            SYNC_JOB_DEAD_SECONDS=str(DEAD_SECONDS),
            SYNC_WATCHDOG_SECONDS=str(WATCHDOG_SECONDS),
            LISTENING_SYNC_MINUTES="0",  # no periodic sync starts jobs beside the tests' own
            AUTH_THROTTLE_RATE="100/minute",  # six accounts sign up and in from one address
        )
        preflight = Started(["python", "-m", "core.preflight"], env, scratch / "preflight.log")
        assert preflight.process.wait(timeout=STARTUP) == 0, preflight.output()

        started: list[Started] = []
        try:
            webs = []
            for name, port in (("a", port_a), ("b", port_b)):
                web_env = {**env, "WEB_BIND": f"127.0.0.1:{port}"}
                process = Started(procfile_command("web"), web_env, scratch / f"web-{name}.log")
                started.append(process)
                webs.append(Web(f"http://127.0.0.1:{port}", port, process))
            processes = ProcessSet(
                a=webs[0],
                b=webs[1],
                worker=Started(procfile_command("worker"), env, scratch / "worker-1.log"),
                beat=Started(procfile_command("beat"), env, scratch / "beat.log"),
                env=env,
                database_url=database_url,
                scratch=scratch,
                sandbox=sandbox_server,
                started=started,
            )
            started += [processes.worker, processes.beat]
            for web in webs:
                wait_for(lambda web=web: _ready(web, started), STARTUP, f"{web.url}/health/ready/")
            yield processes
        finally:
            for process in started:
                process.terminate()  # all at once: they stop side by side
            for process in started:
                process.stop()
            sandbox_server.clear_faults()
            sandbox_server.reset()


# --- helpers: what a client does ---------------------------------------------------------------------


def sign_up_and_in(processes: ProcessSet, email: str) -> str:
    """An account registered through web A and signed in through web B; the API token."""
    registered = processes.a.post(
        "/api/auth/registration/", json={"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    signed_in = processes.b.post("/api/auth/login/", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return signed_in.json()["key"]


def connect_spotify(processes: ProcessSet, key: str) -> None:
    """Spotify's OAuth flow: the URL from web A, the sandbox's consent page, the callback on web B."""
    start = processes.a.get("/spotify/get-auth-url", key)
    assert start.status_code == 200, start.text
    # The flow's cookie binds it to this browser (Secure, so httpx would keep it from plain HTTP).
    cookie = "; ".join(header.split(";", 1)[0] for header in start.headers.get_list("set-cookie"))
    back = consent(start.json()["url"], user=spotify_sandbox.PREMIUM_USER)
    assert back.startswith(f"{processes.b.url}/spotify/redirect?"), back
    finished = httpx.get(back, headers={"Cookie": cookie}, timeout=30)
    assert finished.status_code == 302, finished.text
    assert "spotify=connected" in finished.headers["location"], finished.headers["location"]


def job_through(web: Web, key: str, source: str) -> dict[str, Any]:
    answer = web.get(f"/music/sync/status/?source={source}", key)
    assert answer.status_code == 200, answer.text
    return answer.json()["jobs"][0]


def anything(data: dict) -> bool:
    return True


def events(socket: ClientConnection, **wanted: Callable[[dict], bool]) -> dict[str, dict]:
    """The data of the first message of each wanted event that its test accepts, in whatever order
    they come; other messages (the poller's `progress`, say) are skipped."""
    found: dict[str, dict] = {}
    deadline = time.monotonic() + PATIENCE
    while missing := sorted(set(wanted) - set(found)):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {missing} event within {PATIENCE} s")
        message = json.loads(socket.recv(timeout=left))
        event = message["event"]
        if event in missing and wanted[event](message["data"]):
            found[event] = message["data"]
    return found


def room_socket(web: Web, code: str, key: str) -> ClientConnection:
    return websocket_connect(
        f"ws://127.0.0.1:{web.port}/ws/rooms/{code}/",
        subprotocols=[f"token.{key}"],
        origin=web.url,
        open_timeout=30,
    )


# --- the tests ---------------------------------------------------------------------------------------


def test_a_sync_requested_through_one_process_is_run_by_the_worker_and_followed_through_the_other(
    process_set: ProcessSet,
) -> None:
    key = sign_up_and_in(process_set, "sync@example.com")
    connect_spotify(process_set, key)
    reachable = process_set.sandbox.admin("spotify", "state", user=spotify_sandbox.PREMIUM_USER)["recent"]

    requested = process_set.a.post("/music/sync/", key, json={"source": "spotify"})
    assert requested.status_code == 202, requested.text
    job_id = requested.json()["id"]

    seen: list[str] = []

    def finished() -> bool:
        job = job_through(process_set.b, key, "spotify")
        assert job["id"] == job_id
        seen.append(job["status"])
        assert job["status"] != "failed", job
        return job["status"] == "done"

    wait_for(finished, PATIENCE, "the sync to be done, as web B reports it")
    job = job_through(process_set.b, key, "spotify")
    assert job["imported"] == len(reachable) == 50, job
    stored = process_set.b.get("/music/get-stored-songs/", key)
    assert stored.status_code == 200, stored.text
    played = {listen["played_at"][:19] for listen in stored.json()["results"]}
    assert played == {play["played_at"][:19] for play in reachable}
    # The worker ran it (the web processes only enqueue: they have a broker).
    assert "listening.run_sync_job[" in process_set.worker.output()
    for web in (process_set.a, process_set.b):
        assert "run_sync_job" not in web.started.output()
    print(f"sync job statuses seen through web B: {sorted(set(seen), key=seen.index)}")


def test_room_members_on_both_processes_see_the_same_vote_and_skip(process_set: ProcessSet) -> None:
    host_key = sign_up_and_in(process_set, "host@example.com")
    guest_key = sign_up_and_in(process_set, "guest@example.com")
    connect_spotify(process_set, host_key)
    created = process_set.a.post("/api/rooms/", host_key, json={"guest_can_pause": False, "votes_to_skip": 2})
    assert created.status_code in (200, 201), created.text
    code = created.json()["code"]
    joined = process_set.b.post(f"/api/rooms/{code}/join/", guest_key)
    assert joined.status_code in (200, 201, 204), joined.text

    with (
        room_socket(process_set.a, code, host_key) as host_on_a,
        room_socket(process_set.b, code, guest_key) as guest_on_b,
    ):
        assert events(host_on_a, state=anything)["state"]["is_host"] is True
        assert events(guest_on_b, state=anything)["state"]["is_host"] is False

        # The guest votes through web A: the socket on web B hears it through Redis, like the one on A.
        vote = process_set.a.post(f"/api/rooms/{code}/skip/", guest_key)
        assert vote.status_code == 200, vote.text
        assert vote.json() == {"skipped": False, "votes": 1, "votes_required": 2}
        for socket in (host_on_a, guest_on_b):
            assert events(socket, votes=anything)["votes"] == {"votes": 1, "votes_required": 2}

        # The host skips through web B: both sockets see the votes cleared and the same next song.
        skip = process_set.b.post(f"/api/rooms/{code}/skip/", host_key)
        assert skip.status_code == 200, skip.text
        assert skip.json()["skipped"] is True
        now_playing = process_set.sandbox.admin("spotify", "state", user=spotify_sandbox.PREMIUM_USER)
        next_song = now_playing["current"].rsplit(":", 1)[1]

        def the_next_song(data: dict) -> bool:
            return (data["song"] or {}).get("id") == next_song

        for socket in (host_on_a, guest_on_b):
            seen = events(socket, votes=anything, song=the_next_song)
            assert seen["votes"] == {"votes": 0, "votes_required": 2}
            assert seen["song"]["song"]["votes"] == 0


def test_a_worker_killed_mid_backfill_is_replaced_and_the_job_resumes_with_no_listen_lost_or_doubled(
    process_set: ProcessSet,
) -> None:
    key = sign_up_and_in(process_set, "backfill@example.com")
    stored_key = process_set.a.post(
        "/users/api-keys/",
        key,
        json={
            "service_name": "lastfm",
            "api_key": lastfm_sandbox.VALID_API_KEY,
            "service_user_id": lastfm_sandbox.USER,
        },
    )
    assert stored_key.status_code == 201, stored_key.text
    sandboxed = process_set.sandbox.admin("lastfm", "state", user=lastfm_sandbox.USER)
    history = sandboxed["scrobbles"]
    pages = -(-history // LASTFM_PAGE_SIZE)
    assert pages >= 10, "the history must take several pages"

    process_set.sandbox.fault("lastfm", kind="hang", delay=SLOW_LASTFM, count=-1)
    requested = process_set.a.post("/music/sync/", key, json={"source": "lastfm", "kind": "backfill"})
    assert requested.status_code == 202, requested.text
    job_id = requested.json()["id"]

    def job_row() -> tuple:
        return process_set.sql(
            "SELECT status, pages_done, pages_total, imported, heartbeat_at FROM listening_syncjob "
            "WHERE id = %s",
            [job_id],
        )[0]

    wait_for(lambda: job_row()[1] >= 3, PATIENCE, "the worker to store three pages")
    doomed = process_set.worker
    pool = [pid for pid in doomed.group_pids() if pid != doomed.process.pid]
    assert pool, "the worker's pool processes (CELERY_WORKER_CONCURRENCY) are part of what is killed"
    doomed.kill()  # the worker and its pool children, with no warning
    status, pages_at_kill, _, _, last_beat = job_row()
    assert status in ("running", "waiting")  # active, and nobody works on it any more
    assert 3 <= pages_at_kill < pages, f"killed after {pages_at_kill} of {pages} pages: not mid-backfill"
    killed_at = time.monotonic()
    process_set.sandbox.clear_faults()

    replacement = process_set.restart_worker()
    wait_for(lambda: job_row()[4] > last_beat, PATIENCE, "the watchdog to resume the silent job")
    resumed_after = time.monotonic() - killed_at

    def finished() -> bool:
        replacement.check_running()
        job = job_through(process_set.b, key, "lastfm")
        assert job["status"] != "failed", job
        return job["status"] == "done"

    wait_for(finished, PATIENCE, "the resumed backfill to finish")
    job = job_through(process_set.b, key, "lastfm")
    assert (job["pages_done"], job["pages_total"], job["imported"]) == (pages, pages, history), job
    assert f"Resumed 1 sync job(s) whose worker stopped: [{job_id}]" in replacement.output()

    user_id = process_set.sql("SELECT user_id FROM listening_syncjob WHERE id = %s", [job_id])[0][0]
    (count,) = process_set.sql("SELECT count(*) FROM listening_listen WHERE user_id = %s", [user_id])[0]
    doubled = process_set.sql(
        "SELECT title, artist, played_at, count(*) FROM listening_listen WHERE user_id = %s "
        "GROUP BY user_id, title, artist, played_at HAVING count(*) > 1",
        [user_id],
    )
    # The sandbox's plays all start at distinct seconds: a play stored under two keys shows here.
    same_moment = process_set.sql(
        "SELECT played_at, count(*) FROM listening_listen WHERE user_id = %s "
        "GROUP BY played_at HAVING count(*) > 1",
        [user_id],
    )
    (oldest, newest) = process_set.sql(
        "SELECT extract(epoch FROM min(played_at))::bigint, extract(epoch FROM max(played_at))::bigint "
        "FROM listening_listen WHERE user_id = %s",
        [user_id],
    )[0]
    assert count == history
    assert doubled == []
    assert same_moment == []
    assert (oldest, newest) == (sandboxed["oldest_uts"], sandboxed["newest_uts"])
    print(
        f"killed after {pages_at_kill} of {pages} pages; resumed {resumed_after:.1f} s after the kill "
        f"(dead after {DEAD_SECONDS} s, watchdog every {WATCHDOG_SECONDS} s); {count} listens = the sandbox's"
    )
