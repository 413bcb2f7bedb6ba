"""A real Celery worker (Redis) with LOG_FORMAT=json: its lines are JSON, and the line about a task
queued during a request carries that request's id, read from the message headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from core.request_id import request_id_var
from core.tasks import ping
from tests.processes import database_url

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL: a real worker takes tasks from Redis"
    ),
    pytest.mark.django_db,
]


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_worker_logs_json_lines_with_the_request_id_of_the_task(tmp_path):
    from config.celery import app as celery_app

    queue = f"obs-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", queue,
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
               "-n", f"{queue}@%h"]  # fmt: skip
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        celery_app.conf.task_always_eager = False  # the autouse _isolated fixture restores it
        token = request_id_var.set("from-request-77")
        try:
            result_id = ping.apply_async(args=["hello"], queue=queue).id
        finally:
            request_id_var.reset(token)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [line for line in json_lines(log.read_text()) if result_id in line.get("message", "")]
            if any("succeeded" in line["message"] for line in done):
                break
            assert worker.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        else:
            raise AssertionError(f"the task never ran:\n{log.read_text()[-3000:]}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    lines = json_lines(log.read_text())
    assert any(line["logger"].startswith("celery") and " ready." in line["message"] for line in lines)
    # The line about the task's run (its "received" line comes before the task starts: no id yet).
    ran = [line for line in lines if result_id in line["message"] and "succeeded" in line["message"]]
    assert [line["request_id"] for line in ran] == ["from-request-77"]
