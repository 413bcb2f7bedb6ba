from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import UserFactory
from users.services import auth_credentials_issue


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test: an empty cache (throttle counters live there), its own media folder,
    and tasks run in-process unless a test starts a real worker."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    cache.clear()


@pytest.fixture(autouse=True)
def _sign_in_budget_clock_stands_still(monkeypatch):
    """The sign-in budget counts in fixed windows (django-ratelimit) whose edges fall anywhere in the
    minute: a test's requests must not straddle one, or the count starts again halfway through."""
    import types

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture
def fake_clock():
    """Waits through core.clock (rate limits, Retry-After, HTTP backoff, the sync runner) return at once;
    the clock moves forward by each wait instead. `fake_clock.sleeps` lists them."""
    from core import clock
    from tests.fake_clock import FakeClock

    fake = FakeClock()
    previous = clock.use(fake)
    yield fake
    clock.use(previous)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


def client_for(user, scheme: str) -> APIClient:
    credentials = auth_credentials_issue(user=user)
    client = APIClient()
    if scheme == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {credentials.key}")
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {credentials.access}")
    return client


@pytest.fixture(params=["token", "jwt"])
def auth_client(request, user) -> APIClient:
    """A client signed in as `user`, once with each scheme (DRF token, JWT)."""
    return client_for(user, request.param)


from tests.sandbox_fixture import sandbox, sandbox_server  # noqa: E402, F401  (fixtures)


@pytest.fixture(scope="session", autouse=True)
def _no_secret_in_any_log():
    """Seed 004: keys are never logged. Checked over every record of the whole run."""
    import logging

    from tests.secrets_watch import RecordingHandler

    handler = RecordingHandler()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)
    leaks = handler.leaks()
    assert not leaks, f"{len(leaks)} log records contain a stored secret, e.g. {leaks[0][:200]!r}"
