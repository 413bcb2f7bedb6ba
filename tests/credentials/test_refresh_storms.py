"""Refresh storms: twenty callers at once, through a user's connection or the app's own credential.

Two cases each: the stored token has expired, and a token the app thinks valid is refused by Spotify (a
real 401: the sandbox expires that token only). Either way exactly one refresh reaches Spotify and no
caller is told to reconnect. Spotify rotates refresh tokens here, as it may in production.

The callers run as threads of this process (SQLite and PostgreSQL) and as threads of several OS
processes at once (`refresh_storm_worker`), which only a database with real row locks serialises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from credentials.models import SpotifyCredential
from sandbox.services import spotify as spotify_sandbox
from tests.credentials.refresh_storm_worker import run_threads
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify
from tests.processes import database_url
from tests.secrets_watch import watch
from users.models import UserApiKey

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CALLERS = 20
PROCESSES = 4

pytestmark = pytest.mark.django_db(transaction=True)
CASES = [
    pytest.param(target, case, id=f"{target}-{case}")
    for target in ("user", "credential")
    for case in ("expired", "rejected")
]


def prepare(sandbox, target: str, case: str) -> int:
    """A connection (or the app credential) whose access token Spotify no longer takes; its id."""
    sandbox.admin("spotify", "config", refresh_rotation="rotate")
    if target == "user":
        user = UserFactory()
        access_token = connect_spotify(sandbox, user)
        if case == "expired":
            row = UserApiKey.objects.get(user=user, service_name="spotify")
            metadata = row.get_metadata()
            metadata["expires_at"] = (timezone.now() - timedelta(minutes=5)).isoformat()
            row.set_metadata(metadata)
            row.save()
        object_id = user.pk
    else:
        tokens = sandbox.admin("spotify", "issue_token", user=spotify_sandbox.PREMIUM_USER)
        access_token = watch(tokens["access_token"])
        expires_in = -300 if case == "expired" else tokens["expires_in"]
        credential = SpotifyCredential.objects.create(
            client_id=spotify_sandbox.CLIENT_ID,
            client_secret=spotify_sandbox.CLIENT_SECRET,
            access_token=access_token,
            refresh_token=watch(tokens["refresh_token"]),
            token_expiry=timezone.now() + timedelta(seconds=expires_in),
        )
        object_id = credential.pk
    # Spotify refuses the token: expired on both sides, or (case "rejected") only on Spotify's.
    sandbox.admin("spotify", "expire_access_token", access_token=access_token)
    return object_id


def report(sandbox, before: int, outcomes: list[dict], label: str) -> tuple[int, int, int, list[str]]:
    """Refreshes Spotify saw, /me calls it refused, calls that worked, and every error (printed)."""
    calls = sandbox.calls()[before:]
    refreshes = sum(1 for call in calls if call["path"].endswith("/api/token"))
    refused = sum(1 for call in calls if call["path"].endswith("/me") and call["status"] == 401)
    ok = sum(outcome["ok"] for outcome in outcomes)
    errors = [error for outcome in outcomes for error in outcome["errors"]]
    print(
        f"{label}: {refreshes} refresh(es), {refused} /me answered 401, {ok} calls worked, "
        f"{errors.count('spotify_reconnect_required')} told to reconnect, errors {errors}"
    )
    return refreshes, refused, ok, errors


@pytest.mark.parametrize(("target", "case"), CASES)
def test_twenty_threads_cause_one_refresh_and_no_reconnect(sandbox, target, case):
    object_id = prepare(sandbox, target, case)
    before = len(sandbox.calls())

    outcome = run_threads(target, object_id, CALLERS)

    label = f"{connection.vendor} threads {target}/{case}"
    refreshes, refused, ok, errors = report(sandbox, before, [outcome], label)
    assert errors == []
    assert ok == CALLERS
    assert refreshes == 1
    if case == "rejected":
        assert refused >= 2, "the callers did not overlap: nothing was proved"


def run_processes(sandbox, target: str, object_id: int) -> list[dict]:
    """PROCESSES worker processes of CALLERS / PROCESSES threads each, released together."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        sandbox.env,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        DATABASE_POOL_MAX_SIZE="0",
        REDIS_URL=settings.REDIS_URL or "",
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        DEBUG="false",
    )
    workers = [
        subprocess.Popen(  # noqa: S603 - our own worker module, fixed arguments
            [
                sys.executable,
                "-m",
                "tests.credentials.refresh_storm_worker",
                target,
                str(object_id),
                str(CALLERS // PROCESSES),
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for worker in workers:
            line = worker.stdout.readline().strip()
            assert line == "ready", f"a worker did not start: {line!r} {worker.stderr.read()[-2000:]}"
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outcomes = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err[-2000:]
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
        return outcomes
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: several OS processes share the test database through real row locks "
    "(the threaded variant above runs on SQLite too; CI runs this one on PostgreSQL)",
)
@pytest.mark.parametrize(("target", "case"), CASES)
def test_twenty_callers_in_four_processes_cause_one_refresh_and_no_reconnect(sandbox, target, case):
    object_id = prepare(sandbox, target, case)
    before = len(sandbox.calls())

    outcomes = run_processes(sandbox, target, object_id)

    label = f"{PROCESSES} processes {target}/{case}"
    refreshes, refused, ok, errors = report(sandbox, before, outcomes, label)
    assert errors == []
    assert ok == CALLERS
    assert refreshes == 1
    if case == "rejected":
        assert refused >= 2, "the callers did not overlap: nothing was proved"


def test_validating_the_app_credential_renews_a_token_spotify_refused(sandbox):
    """Spotify refuses the app's unexpired token: the check renews it once and the credential is valid."""
    object_id = prepare(sandbox, "credential", "rejected")
    credential = SpotifyCredential.objects.get(pk=object_id)
    refused = credential.access_token
    before = len(sandbox.calls())

    assert credential.validate_credentials() is True

    calls = sandbox.calls()[before:]
    token_calls = [call["status"] for call in calls if call["path"].endswith("/api/token")]
    assert token_calls == [200, 200]  # the app's client-credentials check, then one refresh
    assert [call["status"] for call in calls if call["path"].endswith("/me")] == [401, 200]
    credential.refresh_from_db()
    assert credential.access_token != refused
    assert credential.validation_error == ""
