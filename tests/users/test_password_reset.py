"""Password reset (API): a mailed link to the web page, whose uid and token the API accepts too;
the same answer for an unknown address."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
NEW_PASSWORD = "a-Fresh-passphrase-42"


def reset_link() -> tuple[str, str, str]:
    """The mailed link's path, uid and token."""
    assert len(mail.outbox) == 1
    (link,) = re.findall(r"https?://\S+", mail.outbox[0].body)
    path = urlparse(link).path
    match = re.fullmatch(r"/password-reset/([0-9a-z]+)/([0-9a-z-]+)", path)
    assert match, path
    return path, match[1], match[2]


def confirm(uid: str, token: str, password: str = NEW_PASSWORD, again: str | None = None):
    body = {"uid": uid, "token": token, "new_password1": password, "new_password2": again or password}
    return APIClient().post(CONFIRM, body, format="json")


def login(email: str, password: str) -> int:
    return APIClient().post("/api/auth/login/", {"email": email, "password": password}).status_code


def test_reset_mails_a_link_to_the_web_page_that_the_api_accepts(api_client):
    user = UserFactory(email="ann@example.com")

    response = api_client.post(RESET, {"email": "Ann@Example.com"}, format="json")
    _, uid, token = reset_link()
    confirmed = confirm(uid, token)

    assert response.status_code == 200
    assert mail.outbox[0].to == ["ann@example.com"]
    assert confirmed.status_code == 200, confirmed.json()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert login("ann@example.com", NEW_PASSWORD) == 200
    assert login("ann@example.com", PASSWORD) == 400


def test_a_reset_link_works_once(api_client):
    UserFactory(email="ann@example.com")
    api_client.post(RESET, {"email": "ann@example.com"}, format="json")
    _, uid, token = reset_link()

    confirm(uid, token)
    again = confirm(uid, token, password="another-Passphrase-77")

    assert again.status_code == 400
    assert "token" in again.json()
    assert login("ann@example.com", NEW_PASSWORD) == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(api_client):
    UserFactory(email="ann@example.com")

    known = api_client.post(RESET, {"email": "ann@example.com"}, format="json")
    unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


def test_an_inactive_account_gets_no_mail(api_client):
    UserFactory(email="gone@example.com", is_active=False)

    response = api_client.post(RESET, {"email": "gone@example.com"}, format="json")

    assert response.status_code == 200
    assert mail.outbox == []


def test_reset_needs_an_email(api_client):
    response = api_client.post(RESET, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()


@pytest.mark.parametrize("uid", ["zz", "zzzzzzzzzzzzz", "z" * 40, "!!"])
def test_a_forged_uid_is_a_400_naming_it(api_client, uid):
    UserFactory(email="ann@example.com")

    response = confirm(uid, "abc-123")

    assert response.status_code == 400
    assert "uid" in response.json()


def test_a_forged_token_is_a_400_naming_it(api_client):
    UserFactory(email="ann@example.com")
    api_client.post(RESET, {"email": "ann@example.com"}, format="json")
    _, uid, token = reset_link()

    response = confirm(uid, token[:-1] + ("0" if token[-1] != "0" else "1"))

    assert response.status_code == 400
    assert "token" in response.json()


def test_the_new_password_meets_the_password_rules(api_client):
    UserFactory(email="ann@example.com")
    api_client.post(RESET, {"email": "ann@example.com"}, format="json")
    _, uid, token = reset_link()

    weak = confirm(uid, token, password="12345678901")
    mismatch = confirm(uid, token, again=NEW_PASSWORD + "x")

    assert weak.status_code == 400
    assert "new_password2" in weak.json()
    assert mismatch.status_code == 400
    assert login("ann@example.com", PASSWORD) == 200  # nothing changed
