"""Email verification: an ADMIN_EMAIL address makes an admin only once verified, and with
ACCOUNT_EMAIL_VERIFICATION=mandatory nobody signs in before confirming (API and web alike)."""

import io
import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import ADMIN_EMAIL, PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_emails(settings):
    settings.ADMIN_EMAILS = frozenset({ADMIN_EMAIL})


def register(client: APIClient, email: str = ADMIN_EMAIL):
    body = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "full_name": "Claimant"}
    return client.post("/api/auth/registration/", body, format="json")


def web_signup(client: Client, email: str = ADMIN_EMAIL):
    body = {"full_name": "Claimant", "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/signup", body)


def signed_in_browser(email: str = ADMIN_EMAIL) -> Client:
    browser = Client()
    response = browser.post("/signin", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return browser


def mailed_link(message) -> str:
    """The path of the one link in a mail, checked to be absolute (it leaves the site)."""
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, message.body
    return urlparse(links[0]).path


def confirm_in_browser(link: str, browser: Client | None = None):
    browser = browser or Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Confirm your email address" in page.content.decode()
    return browser.post(link)


def ask_for_a_link(email: str = ADMIN_EMAIL):
    response = APIClient().post("/api/auth/registration/resend-email/", {"email": email}, format="json")
    assert response.status_code == 200
    return response


def admin_check(email: str = ADMIN_EMAIL) -> bool:
    token = APIClient().post("/api/auth/login/", {"email": email, "password": PASSWORD}).json()["key"]
    return APIClient().get("/api/admin/check/", HTTP_AUTHORIZATION=f"Token {token}").json()["admin"]


# --- Registering the ADMIN_EMAIL address gives nothing until it is verified ---------------------


def test_registering_the_admin_address_through_the_api_gives_no_admin(api_client):
    response = register(api_client)

    assert response.status_code == 201
    assert response.json()["user"]["is_admin"] is False
    token = response.json()["key"]
    assert api_client.get("/api/admin/check/", HTTP_AUTHORIZATION=f"Token {token}").json() == {"admin": False}
    refused = signed_in_browser().get("/admin/")
    assert refused.status_code == 302
    assert "/admin/login/" in refused["Location"]
    assert EmailAddress.objects.get(email=ADMIN_EMAIL).verified is False


def test_registering_the_admin_address_through_the_web_gives_no_admin():
    browser = Client()

    response = web_signup(browser)

    assert response.status_code == 302
    assert response["Location"] == "/connections"  # signed in: verification is not mandatory here
    assert browser.get("/api/admin/check/").json() == {"admin": False}
    refused = browser.get("/admin/")
    assert refused.status_code == 302
    assert "/admin/login/" in refused["Location"]
    # The web sign-up records the address as allauth does, unverified.
    address = EmailAddress.objects.get(email=ADMIN_EMAIL)
    assert (address.user.email, address.primary, address.verified) == (ADMIN_EMAIL, True, False)


def test_the_admin_login_page_refuses_an_unverified_admin_address(api_client):
    register(api_client)

    browser = Client()
    response = browser.post("/admin/login/", {"username": ADMIN_EMAIL, "password": PASSWORD})

    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "_auth_user_id" not in browser.session
    assert browser.get("/admin/").status_code == 302


# --- ...and an admin once it is -------------------------------------------------------------


def test_the_mailed_link_confirmed_in_the_browser_makes_the_admin(api_client):
    register(api_client)
    ask_for_a_link()
    link = mailed_link(mail.outbox[-1])
    assert link.startswith("/verify-email/")

    confirmed = confirm_in_browser(link)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/signin"  # offers to sign in
    assert admin_check() is True
    assert signed_in_browser().get("/admin/").status_code == 200
    # Used once: the link is now spent.
    again = Client().post(link)
    assert again.status_code == 400
    assert "expired or was already used" in again.content.decode()


def test_the_mailed_key_confirmed_through_the_api_makes_the_admin(api_client):
    register(api_client)
    ask_for_a_link()
    key = mailed_link(mail.outbox[-1]).rsplit("/", 1)[1]

    response = APIClient().post("/api/auth/registration/verify-email/", {"key": key}, format="json")

    assert response.status_code == 200, response.json()
    assert admin_check() is True


def test_a_wrong_or_spent_key_is_a_400_naming_the_key(api_client):
    response = api_client.post("/api/auth/registration/verify-email/", {"key": "nope:nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_key"
    assert "key" in response.json()


def test_merely_opening_the_link_confirms_nothing(api_client):
    """A mail scanner that follows links must not confirm an address for its owner's attacker."""
    register(api_client)
    ask_for_a_link()

    assert Client().get(mailed_link(mail.outbox[-1])).status_code == 200

    assert admin_check() is False


def test_the_operators_command_makes_the_admin(api_client):
    register(api_client)
    out = io.StringIO()

    call_command("verify_email", "Boss@Example.com", stdout=out)

    assert "boss@example.com is verified" in out.getvalue()
    assert "admin" in out.getvalue()
    assert admin_check() is True
    assert EmailAddress.objects.get(email=ADMIN_EMAIL).verified is True


def test_the_command_also_verifies_a_web_account_with_no_address_row():
    """Accounts made before this change have no allauth EmailAddress row."""
    UserFactory(email=ADMIN_EMAIL)
    assert not EmailAddress.objects.exists()

    call_command("verify_email", ADMIN_EMAIL, stdout=io.StringIO())

    assert admin_check() is True


def test_the_command_refuses_an_unknown_address():
    with pytest.raises(CommandError, match="No account uses"):
        call_command("verify_email", "nobody@example.com", stdout=io.StringIO())


def test_asking_for_a_link_says_the_same_whoever_asks(api_client):
    UserFactory(email="known@example.com")
    UserFactory(email="done@example.com", verified=True)

    answers = [ask_for_a_link(email).json() for email in ("known@example.com", "nobody@example.com")]
    ask_for_a_link("done@example.com")

    assert answers[0] == answers[1]
    assert [message.to for message in mail.outbox] == [["known@example.com"]]


# --- ACCOUNT_EMAIL_VERIFICATION=mandatory ------------------------------------------------------


@pytest.fixture
def mandatory(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def test_mandatory_registration_answers_201_and_mails_the_link(api_client, mandatory):
    response = register(api_client, email="new.person@example.com")

    assert response.status_code == 201, response.content
    assert set(response.json()) == {"detail"}  # no credentials before the address is confirmed
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    assert mailed_link(mail.outbox[0]).startswith("/verify-email/")
    assert User.objects.filter(email="new.person@example.com").exists()


def test_mandatory_no_sign_in_until_the_browser_link_is_used(api_client, mandatory):
    register(api_client, email="new.person@example.com")
    credentials = {"email": "new.person@example.com", "password": PASSWORD}

    before = APIClient().post("/api/auth/login/", credentials)
    confirm_in_browser(mailed_link(mail.outbox[0]))
    after = APIClient().post("/api/auth/login/", credentials)

    assert before.status_code == 400
    assert after.status_code == 200
    assert signed_in_browser("new.person@example.com").get("/").status_code == 200


def test_mandatory_the_mailed_link_also_works_through_the_api(api_client, mandatory):
    register(api_client, email="new.person@example.com")
    key = mailed_link(mail.outbox[0]).rsplit("/", 1)[1]

    confirmed = APIClient().post("/api/auth/registration/verify-email/", {"key": key}, format="json")
    login = APIClient().post("/api/auth/login/", {"email": "new.person@example.com", "password": PASSWORD})

    assert confirmed.status_code == 200
    assert login.status_code == 200


def test_the_demo_admin_signs_in_with_mandatory_verification(settings, api_client, mandatory):
    from users.management.commands.create_demo_user import DEMO_EMAIL, DEMO_PASSWORD

    settings.DEBUG = True
    call_command("create_demo_user", stdout=io.StringIO())

    response = api_client.post("/api/auth/login/", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})

    assert response.status_code == 200, response.json()
    assert response.json()["user"]["is_admin"] is True
    assert EmailAddress.objects.get(email=DEMO_EMAIL).verified is True
