"""A real Celery worker is killed in the middle of a Last.fm backfill (seed 001's sync).

Its Celery message stays unacknowledged in Redis (redelivered only after the hour-long visibility
timeout), so the job would stay "running" for nobody. The restarted worker's scheduler notices the
silent heartbeat and resumes the job within SYNC_JOB_DEAD_SECONDS + SYNC_WATCHDOG_SECONDS, and
`POST /music/sync/` resumes it at once. Both finish the backfill with every play stored once.

Needs REDIS_URL (the broker the worker processes share); the workers use the test database (a
PostgreSQL one in CI, or the run's SQLite file).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from listening.models import Listen, SyncJob
from sandbox.services import lastfm as lastfm_sandbox
from tests.processes import database_url

BASE_DIR = Path(__file__).resolve().parents[2]
DEAD_SECONDS = 6  # the threshold the workers and this process are given
WATCHDOG_SECONDS = 1
SLOW_LASTFM = 0.4  # seconds each Last.fm call takes, so the worker dies mid-backfill

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL: a real worker takes tasks from Redis"
    ),
    pytest.mark.django_db(transaction=True),
]


def forget_celery_messages() -> None:
    """No message of another run (queued or unacked) may reach these workers, nor theirs a later run."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


class Worker:
    def __init__(self, env: dict[str, str], log: Path, *, beat: bool) -> None:
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
            "-n", f"sync-test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        if beat:
            command += ["-B", "-s", str(log.with_suffix(".beat"))]
        with log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        return time.time()

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine: no warm shutdown, no message handed back."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def workers(sandbox, settings, tmp_path) -> Iterator[Callable[..., Worker]]:
    settings.SYNC_JOB_DEAD_SECONDS = DEAD_SECONDS
    env = {
        **os.environ,
        **sandbox.env,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL_MAX_SIZE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DEBUG": "true",
        "LISTENING_SYNC_MINUTES": "0",
        "SYNC_JOB_DEAD_SECONDS": str(DEAD_SECONDS),
        "SYNC_WATCHDOG_SECONDS": str(WATCHDOG_SECONDS),
    }
    started: list[Worker] = []
    forget_celery_messages()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # this process enqueues to Redis, as the web server does

    def start(*, beat: bool) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(started)}.log", beat=beat)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in started:
            worker.kill()
        forget_celery_messages()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def job_state(user) -> SyncJob:
    return SyncJob.objects.get(user=user)


def kill_mid_backfill(sandbox, auth_client, user, start_worker) -> tuple[SyncJob, float]:
    """Worker A runs the backfill; it is killed after three pages. Returns the job and its last beat."""
    sandbox.fault("lastfm", kind="hang", delay=SLOW_LASTFM, count=-1)
    first = start_worker(beat=False)
    first.wait_ready()
    response = auth_client.post("/music/sync/", {"source": "lastfm", "kind": "backfill"}, format="json")
    assert response.status_code == 202, response.json()
    wait_for(lambda: job_state(user).pages_done >= 3, 60, "worker A to store three pages")
    first.kill()
    job = job_state(user)
    assert job.status == "running"
    assert job.pages_done < 15
    time.sleep(1)
    assert job_state(user).heartbeat_at == job.heartbeat_at  # nobody is working on it any more
    return job, job.heartbeat_at.timestamp()


def assert_finished_once(user) -> None:
    job = job_state(user)
    assert (job.status, job.pages_done, job.imported) == ("done", 15, lastfm_sandbox.SCROBBLE_COUNT)
    assert Listen.objects.filter(user=user).count() == lastfm_sandbox.SCROBBLE_COUNT


def test_the_restarted_workers_scheduler_resumes_the_dead_job_within_the_threshold(
    sandbox, auth_client, lastfm_user, workers
):
    job, last_beat = kill_mid_backfill(sandbox, auth_client, lastfm_user, workers)
    pages_before = job.pages_done

    ready_at = workers(beat=True).wait_ready()  # the restarted worker, with its scheduler
    wait_for(lambda: job_state(lastfm_user).heartbeat_at.timestamp() > last_beat, 60, "the job to be resumed")
    resumed_at = job_state(lastfm_user).heartbeat_at.timestamp()

    # Noticed from its heartbeat: not before the threshold, and within one watchdog round after it
    # (or after the restarted worker came up, if that took longer).
    assert resumed_at >= last_beat + DEAD_SECONDS
    assert resumed_at <= max(last_beat + DEAD_SECONDS, ready_at) + WATCHDOG_SECONDS + 3
    wait_for(lambda: job_state(lastfm_user).status == "done", 60, "the resumed backfill to finish")
    assert_finished_once(lastfm_user)
    assert job_state(lastfm_user).pages_done > pages_before


def test_posting_again_resumes_the_dead_job_at_once(sandbox, auth_client, lastfm_user, workers, settings):
    job, last_beat = kill_mid_backfill(sandbox, auth_client, lastfm_user, workers)
    workers(beat=False).wait_ready()  # a restarted worker without a scheduler: only the user's POST helps
    wait_for(lambda: time.time() > last_beat + DEAD_SECONDS, DEAD_SECONDS + 5, "the heartbeat to go stale")
    assert job_state(lastfm_user).heartbeat_at.timestamp() == last_beat  # nobody resumed it

    posted_at = timezone.now()
    response = auth_client.post("/music/sync/", {"source": "lastfm", "kind": "backfill"}, format="json")

    assert response.status_code == 202, response.json()
    assert response.json()["id"] == job.pk
    wait_for(lambda: job_state(lastfm_user).status == "done", 60, "the resumed backfill to finish")
    assert_finished_once(lastfm_user)
    assert job_state(lastfm_user).finished_at > posted_at
