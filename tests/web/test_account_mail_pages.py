"""The web's sign-up through allauth (verification applies as for the API), the confirmation page,
and "Forgot your password?" end to end, with the mails in mail.outbox."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Fresh-passphrase-42"


def mailed_path(message) -> str:
    (link,) = re.findall(r"https?://\S+", message.body)
    return urlparse(link).path


def signs_in(email: str, password: str) -> bool:
    browser = Client()
    browser.post("/signin", {"username": email, "password": password})
    return browser.get("/").status_code == 200


# --- Sign-up with ACCOUNT_EMAIL_VERIFICATION=mandatory --------------------------------------------


@pytest.fixture
def mandatory(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def test_mandatory_sign_up_mails_the_link_and_does_not_sign_in(client, mandatory):
    response = client.post(
        "/signup",
        {"full_name": "Nina", "email": "Nina@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/verify-email/sent"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert client.get("/")["Location"].startswith("/signin")  # not signed in
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.com"]
    assert mailed_path(mail.outbox[0]).startswith("/verify-email/")
    assert User.objects.get().full_name == "Nina"


def test_mandatory_sign_in_waits_for_the_link_then_works(client, mandatory):
    client.post("/signup", {"email": "nina@example.com", "password1": PASSWORD, "password2": PASSWORD})
    link = mailed_path(mail.outbox[0])

    refused = Client().post("/signin", {"username": "nina@example.com", "password": PASSWORD})
    page = Client().get(link)
    confirmed = Client().post(link)

    assert refused.status_code == 200
    assert "Confirm your email address first" in refused.content.decode()
    assert "Confirm" in page.content.decode()
    assert confirmed["Location"] == "/signin"
    assert signs_in("nina@example.com", PASSWORD)


def test_a_web_sign_up_without_mandatory_verification_still_signs_in(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # signs in, and mails the link

    response = client.post(
        "/signup", {"email": "nina@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response["Location"] == "/connections"
    assert client.get("/").status_code == 200
    assert len(mail.outbox) == 1


def test_the_check_your_email_page_sends_a_new_link_without_saying_who_has_an_account(client):
    UserFactory(email="nina@example.com")

    known = client.post("/verify-email/sent", {"email": "nina@example.com"}, follow=True)
    unknown = client.post("/verify-email/sent", {"email": "nobody@example.com"}, follow=True)

    assert "If an account uses nina@example.com" in known.content.decode()
    assert "If an account uses nobody@example.com" in unknown.content.decode()
    assert [message.to for message in mail.outbox] == [["nina@example.com"]]


def test_a_wrong_confirmation_link_says_so(client):
    response = client.post("/verify-email/not-a-key")

    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()


# --- Forgot your password? ----------------------------------------------------------------------


def test_sign_in_links_to_the_password_reset_page(client):
    assert 'href="/password-reset"' in client.get("/signin").content.decode()


def test_password_reset_in_the_browser_end_to_end(client):
    user = UserFactory(email="ann@example.com")

    asked = client.post("/password-reset", {"email": "ANN@example.com"})
    link = mailed_path(mail.outbox[0])
    opened = client.get(link)  # the token moves into the session, out of the address bar
    form = client.get(opened["Location"])
    saved = client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert asked.status_code == 302
    assert asked["Location"] == "/password-reset/sent"
    assert mail.outbox[0].to == ["ann@example.com"]
    assert opened.status_code == 302
    assert opened["Location"].endswith("/set-password")
    assert "Set a new password" in form.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == "/signin"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signs_in("ann@example.com", NEW_PASSWORD)
    assert not signs_in("ann@example.com", PASSWORD)
    # The link worked once.
    assert "expired or was already used" in Client().get(link, follow=True).content.decode()


def test_password_reset_page_says_the_same_for_an_unknown_address(client):
    UserFactory(email="ann@example.com")

    known = client.post("/password-reset", {"email": "ann@example.com"})
    unknown = client.post("/password-reset", {"email": "nobody@example.com"})

    assert known["Location"] == unknown["Location"] == "/password-reset/sent"
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


def test_a_forged_reset_link_says_so(client):
    UserFactory(email="ann@example.com")

    for path in ("/password-reset/zzzzzzzzzzzzz/abc-123", "/password-reset/1/abc-123", "/password-reset/!/x"):
        response = client.get(path)
        assert response.status_code == 200
        assert "expired or was already used" in response.content.decode()
