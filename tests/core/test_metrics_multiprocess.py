"""Several processes (gunicorn workers): with PROMETHEUS_MULTIPROC_DIR, /metrics adds up every process's
counters, as django-prometheus documents; without it, one process would show only its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.core.test_metrics import sample

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = "m" * 40

SCRIPT = """
import os, sys, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
if sys.argv[1] == "health":
    assert client.get("/health/").status_code == 200
else:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + os.environ["METRICS_TOKEN"])
    assert response.status_code == 200, response.status_code
    sys.stdout.write(response.content.decode())
"""


def run(what: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, what],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_metrics_add_up_the_counters_of_every_process(tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }

    run("health", env)
    run("health", env)
    text = run("metrics", env)

    assert len(list(multiproc.iterdir())) >= 2  # each process wrote its own file
    count = sample(
        text, "django_http_responses_total_by_status_view_method_total", view="health", status="200"
    )
    assert count == 2
