"""Account mail is sent by a worker, not inside the request: a reset for an existing account must
answer as fast as one for an unknown address, or its timing tells who has an account."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import UserFactory
from users import tasks

pytestmark = pytest.mark.django_db

RESET = "/api/auth/password/reset/"


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """What the request hands to the queue, instead of running the task."""
    calls: list[dict] = []
    monkeypatch.setattr(tasks.send_account_mail, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def test_the_reset_request_queues_the_mail_and_sends_nothing_itself(api_client, queued):
    UserFactory(email="ann@example.com")

    response = api_client.post(RESET, {"email": "ann@example.com"}, format="json")

    assert response.status_code == 200
    assert mail.outbox == []
    (message,) = queued
    assert message["to"] == ["ann@example.com"]
    assert "/password-reset/" in message["body"]


def test_the_worker_sends_what_was_queued(api_client, queued):
    UserFactory(email="ann@example.com")
    api_client.post(RESET, {"email": "ann@example.com"}, format="json")

    tasks.send_account_mail.apply(kwargs=queued[0], throw=True)

    (sent,) = mail.outbox
    assert sent.to == ["ann@example.com"]
    assert sent.subject.startswith("[MusicHub]")
    assert "/password-reset/" in sent.body


def test_the_confirmation_mail_of_a_sign_up_is_queued_too(api_client, queued, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = api_client.post(
        "/api/auth/registration/",
        {"email": "new@example.com", "password1": "a-Long-passphrase-9", "password2": "a-Long-passphrase-9"},
        format="json",
    )

    assert response.status_code == 201
    assert mail.outbox == []
    (message,) = queued
    assert message["to"] == ["new@example.com"]
    assert "/verify-email/" in message["body"]
