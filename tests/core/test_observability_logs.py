"""LOG_FORMAT=json: one JSON object per line, the request id on every record of a request and of the
Celery task it started (in eager mode and through the message headers a worker reads), no secret."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import shared_task
from celery.worker.request import Request as WorkerRequest
from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path
from kombu import Connection

from config.celery import app as celery_app
from core.log_json import JsonFormatter
from core.log_redaction import RedactSecretsFilter
from core.request_id import HEADER, RequestIdFilter, accept_request_id, request_id_var
from tests.secrets_watch import secret

BASE_DIR = Path(__file__).resolve().parents[2]
task_logger = logging.getLogger("core.tests.observability")


@shared_task(name="tests.observability.log_something")
def log_something(marker: str) -> str:
    task_logger.warning("task ran for %s", marker)
    return marker


def enqueue_view(request):
    log_something.delay(request.GET.get("marker", "m"))
    return JsonResponse({"ok": True})


urlpatterns = [path("test-enqueue/", enqueue_view), path("", include("config.urls"))]


@pytest.fixture
def json_lines():
    """The console handler as LOGGING builds it with LOG_FORMAT=json, writing into a buffer."""
    conf = settings.LOGGING["formatters"]["json"]
    assert conf["()"] == "core.log_json.JsonFormatter"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(fmt=conf["fmt"], rename_fields=conf["rename_fields"]))
    handler.addFilter(RedactSecretsFilter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.urls(__name__)
def test_every_json_line_of_a_request_and_its_task_carries_the_request_id(client, json_lines):
    response = client.get("/test-enqueue/?marker=one", HTTP_X_REQUEST_ID="req-1234")

    assert response[HEADER] == "req-1234"
    task_lines = [line for line in json_lines() if line["message"] == "task ran for one"]
    assert len(task_lines) == 1
    assert task_lines[0]["request_id"] == "req-1234"
    assert task_lines[0]["level"] == "WARNING"
    assert task_lines[0]["logger"] == "core.tests.observability"
    assert request_id_var.get() is None  # nothing left behind for the next request


def test_djangos_own_line_about_a_failed_request_carries_its_id(client, json_lines):
    """Django logs "Not Found: …" after the middleware has returned: the id must still be there."""
    response = client.get("/api/no-such-thing/", HTTP_X_REQUEST_ID="rid-404")

    assert response.status_code == 404
    lines = [line for line in json_lines() if line["logger"] == "django.request"]
    assert [line["request_id"] for line in lines] == ["rid-404"]
    assert request_id_var.get() is None


@pytest.mark.parametrize("offered", ["", "has space", "x" * 65, "new\nline", 'quote"d', "é"])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_fresh_one(client, offered):
    response = client.get("/health/", HTTP_X_REQUEST_ID=offered)

    assert response[HEADER] != offered
    assert accept_request_id(response[HEADER]) == response[HEADER]
    assert len(response[HEADER]) == 32


def test_two_requests_without_an_id_get_different_ones(client):
    assert client.get("/health/")[HEADER] != client.get("/health/")[HEADER]


def test_the_request_id_travels_in_the_message_headers_to_the_worker(json_lines):
    """Published as a worker would receive it (in-memory broker), then run by the worker's own code."""
    celery_app.conf.task_always_eager = False  # the autouse _isolated fixture restores it
    queue = f"test-{uuid.uuid4().hex}"
    token = request_id_var.set("published-42")
    try:
        with Connection("memory://") as connection:
            log_something.apply_async(args=["two"], queue=queue, connection=connection)
            message = connection.SimpleQueue(queue).get(timeout=2)
    finally:
        request_id_var.reset(token)
    assert message.headers["request_id"] == "published-42"

    # In the worker: no request around, the id comes from the headers (task_prerun), then is cleared.
    assert request_id_var.get() is None
    WorkerRequest(message, app=celery_app, task=log_something).execute()

    task_lines = [line for line in json_lines() if line["message"] == "task ran for two"]
    assert [line["request_id"] for line in task_lines] == ["published-42"]
    assert request_id_var.get() is None


def test_a_task_published_outside_a_request_has_no_request_id():
    celery_app.conf.task_always_eager = False  # the autouse _isolated fixture restores it
    queue = f"test-{uuid.uuid4().hex}"
    with Connection("memory://") as connection:
        log_something.apply_async(args=["three"], queue=queue, connection=connection)
        message = connection.SimpleQueue(queue).get(timeout=2)
    assert "request_id" not in message.headers


@pytest.mark.django_db
def test_no_oauth_code_or_stored_secret_reaches_a_json_line(client, json_lines, user):
    vault_key = secret("json-")
    task_logger.warning("stored %s", "x")  # a line of the test itself, so the buffer is not empty
    client.force_login(user)
    response = client.get("/spotify/redirect?code=SECRETCODE4711&state=SECRETSTATE0815")
    assert response.status_code < 500
    # Django's request logger puts the request object (its full URL) on the record: an object is dropped.
    logging.getLogger("django.request").warning(
        "Not Found: %s",
        "/x?code=SECRETCODE4711",
        extra={"request": object(), "url": "/x?code=SECRETCODE4711"},
    )
    task_logger.warning("a record about %s", f"/api/keys/?api_key={vault_key}")

    lines = json_lines()
    text = "\n".join(json.dumps(line) for line in lines)
    assert len(lines) >= 3
    assert "SECRETCODE4711" not in text
    assert "SECRETSTATE0815" not in text
    assert vault_key not in text
    assert any(line.get("url") == "/x?code=[redacted]" for line in lines)
    assert all("request" not in line for line in lines)


def test_log_format_json_makes_the_console_write_json_lines(tmp_path):
    """The real settings in a fresh process: each line parses, with the request id field and no code."""
    env = {**os.environ, "LOG_FORMAT": "json", "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    script = (
        "import django, logging; django.setup();"
        "from core.request_id import request_id_var; request_id_var.set('abc-1');"
        "logging.getLogger('core').warning('callback %s', '/spotify/redirect?code=SECRETCODE4711&state=S');"
        "logging.getLogger('core').warning('second line')"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["message"] for line in lines] == [
        "callback /spotify/redirect?code=[redacted]&state=[redacted]",
        "second line",
    ]
    assert {line["request_id"] for line in lines} == {"abc-1"}
    assert "SECRETCODE4711" not in done.stderr


def test_a_bad_log_format_is_refused_at_start():
    env = {**os.environ, "LOG_FORMAT": "xml", "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "LOG_FORMAT must be plain or json" in done.stderr
