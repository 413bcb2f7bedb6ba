"""`make serve` with LOG_FORMAT=json and a METRICS_TOKEN: every log line of the web processes is a JSON
object (the access log included, with the request id, and no OAuth code), the worker's and beat's are
too, and /metrics adds up the web workers' and the Celery worker's counters."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from config.celery import app as celery_app
from tests.core.test_metrics import sample
from tests.core.test_serve import served, wait_for  # noqa: F401 - the fixture that starts make serve

TOKEN = "observability-" + "x" * 30
PREFIX = re.compile(r"^\d\d:\d\d:\d\d (?P<process>[a-z]+)\.\d+\s*\| (?P<line>.*)$")


@pytest.fixture
def json_serve(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    # Celery warns (Python's warnings, on stderr, before logging is set up) when run as root, as CI does.
    monkeypatch.setenv("PYTHONWARNINGS", "ignore:You're running the worker with superuser privileges")


def process_lines(log: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for raw in log.splitlines():
        match = PREFIX.match(raw)
        if match and match["line"].strip():
            lines.setdefault(match["process"], []).append(match["line"])
    return lines


def test_make_serve_logs_json_lines_and_serves_metrics(json_serve, served):  # noqa: F811
    response = httpx.get(
        f"{served.url}/spotify/redirect?code=SECRETCODE4711&state=SECRETSTATE",
        headers={"X-Request-ID": "serve-rid-1"},
    )
    assert response.headers["X-Request-ID"] == "serve-rid-1"
    celery_app.conf.task_always_eager = False  # through the broker (the autouse fixture restores it)
    celery_app.send_task("core.ping", args=["x"])
    wait_for(lambda: "core.ping[" in served.log.read_text(), timeout=20)
    for _ in range(4):
        httpx.get(f"{served.url}/health/")

    assert httpx.get(f"{served.url}/metrics").status_code == 404
    metrics = httpx.get(f"{served.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status_code == 200
    wait_for(lambda: "succeeded" in served.log.read_text(), timeout=20)
    metrics = httpx.get(f"{served.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text

    # Four /health/ requests spread over the web workers, added up; the worker's task outcome too.
    assert sample(metrics, "django_http_responses_total_by_status_view_method_total", view="health") == 4
    assert sample(metrics, "musichub_celery_tasks_total", task="core.ping", outcome="success") == 1

    log = served.log.read_text()
    assert "SECRETCODE4711" not in log
    assert "SECRETSTATE" not in log
    lines = process_lines(log)
    web = [json.loads(line) for line in lines["web"]]  # every web line parses
    access = [line for line in web if line["logger"] in ("uvicorn.access", "gunicorn.access")]
    assert any("/spotify/redirect?code=[redacted]" in line["message"] for line in access)
    assert any(line["request_id"] == "serve-rid-1" for line in web)
    worker = [json.loads(line) for line in lines["worker"] if line.startswith("{")]
    assert any("core.ping[" in line["message"] and "succeeded" in line["message"] for line in worker)
    # And nothing else: no banner (--quiet), no line outside the logging configuration.
    others = [line for line in lines["worker"] + lines.get("beat", []) if not line.startswith("{")]
    assert others == []
