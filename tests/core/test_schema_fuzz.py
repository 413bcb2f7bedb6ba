"""Schema fuzz test: schemathesis generates requests for every operation of /api/schema/ and sends
them to the real application (Django's WSGI handler, in this process, on the test database: SQLite,
or PostgreSQL in CI), signed in as a user and as an admin.

Every answer must be no 5xx and agree with the schema: a documented status code, a documented
content type, and a body of the documented shape (errors included: core/schema.py documents them).

Bounded and repeatable: a fixed number of examples per operation and role, derandomized (the same
examples on every run), no example database. Provider calls go to the sandbox. Half of the examples
of an operation on `/{id}/` use the id of an object that exists, so updates and deletes are reached.

Run it alone: `.venv/bin/pytest tests/core/test_schema_fuzz.py -q` (FUZZ_EXAMPLES=50 for a longer run).
"""

from __future__ import annotations

import os

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from messaging.models import Message
from musics import services as music_services
from musics.models import Album
from tests.factories import UserFactory
from tests.musics import upload, wav_bytes
from users.services import auth_credentials_issue
from users.vault import api_key_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# The schema as the application serves it; requests go to the same application, in this process.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda operation: operation.label
)

# Not fuzzed: the browser's redirect back from Spotify's consent page (HTML, not an API call).
SKIPPED = {"GET /spotify/redirect"}


@pytest.fixture
def _one_connection():
    """The real WSGI handler closes the database connection after each request; the test's data
    lives in that connection's open transaction, so keep it (as Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(sandbox, settings, _one_connection):
    """A small catalog and inbox for the ids, and the two people who call."""
    settings.ADMIN_EMAILS = frozenset()
    user = UserFactory()
    admin = UserFactory(is_superuser=True)
    friend = UserFactory()
    album = Album.objects.create(title="Night Drive", artist="Nova Lane")
    song = music_services.song_create(
        audio=upload(wav_bytes(0.2), "x.wav", "audio/wav"),
        title="Headlights",
        artist="Nova Lane",
        album=album,
    )
    message = Message.objects.create(sender=friend, receiver=user, content="hello")
    ids = {"id": [song.pk, album.pk, message.pk, friend.pk, user.pk, admin.pk]}
    for caller in (user, admin):
        key = api_key_create(
            user=caller,
            service_name="lastfm",
            api_key="0123456789abcdef0123456789abcdef",
            service_user_id="ann",
        )
        ids["id"].append(key.pk)
    return {"user": user, "admin": admin, "ids": ids}


def _strategy(operation, ids: dict[str, list[int]]):
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "{id}" in operation.path:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": value})
            for value in ids["id"]
        ]
    return st.one_of(strategies)


@pytest.mark.parametrize("role", ["user", "admin"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_server_error_and_no_answer_the_schema_does_not_describe(operation, role, world):
    if operation.label in SKIPPED:
        pytest.skip("not an API call")
    caller = world[role]

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, world["ids"]))
    def fuzz(case) -> None:
        # A fresh credential each time: an example may have signed out or changed the password.
        caller.refresh_from_db()
        key = auth_credentials_issue(user=caller).key
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)

    fuzz()
