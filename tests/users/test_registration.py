import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from users.api import serializers
from users.models import User

pytestmark = pytest.mark.django_db

URL = "/api/auth/registration/"


def register(client: APIClient, **overrides):
    body = {
        "email": "new.person@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "New Person",
    }
    body.update(overrides)
    return client.post(URL, body, format="json")


def test_registration_returns_user_and_both_credentials(api_client):
    response = register(api_client, email="New.Person@Example.COM")

    assert response.status_code == 201, response.data
    body = response.json()
    assert set(body) == {"key", "access", "refresh", "user"}
    assert body["user"]["email"] == "new.person@example.com"
    assert body["user"]["full_name"] == "New Person"
    assert "password" not in str(body["user"])
    user = User.objects.get()
    assert user.email == "new.person@example.com"
    assert user.check_password(PASSWORD)

    for header in (f"Token {body['key']}", f"Bearer {body['access']}"):
        me = APIClient().get("/api/auth/user/", HTTP_AUTHORIZATION=header)
        assert me.status_code == 200
        assert me.json()["id"] == user.id


def test_registration_refuses_a_taken_email_whatever_its_case(api_client):
    UserFactory(email="taken@example.com")

    response = register(api_client, email="TAKEN@example.com")

    assert response.status_code == 400
    assert response.json()["email"] == ["A user is already registered with this e-mail address."]
    assert response.json()["code"] == "invalid"
    assert User.objects.count() == 1


def test_registration_race_on_the_same_email_answers_400_not_500(api_client, monkeypatch):
    """Two concurrent sign-ups both pass validation; the database constraint decides."""
    UserFactory(email="race@example.com")
    monkeypatch.setattr(serializers.RegisterSerializer, "validate_email", lambda self, email: email)

    response = register(api_client, email="race@example.com")

    assert response.status_code == 400
    assert response.json()["email"] == ["A user is already registered with this e-mail address."]
    assert User.objects.count() == 1


def test_registration_refuses_mismatched_passwords(api_client):
    response = register(api_client, password2=PASSWORD + "x")

    assert response.status_code == 400
    assert response.json()["password2"] == ["The two password fields didn't match."]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message_part"),
    [
        ("12345678901", "entirely numeric"),
        ("short1!", "too short"),
        ("password123", "too common"),
        ("new.person.example", "too similar"),
    ],
)
def test_registration_applies_djangos_password_validators(api_client, password, message_part):
    response = register(api_client, password1=password, password2=password)

    assert response.status_code == 400
    assert any(message_part in message for message in response.json()["password1"]), response.json()
    assert not User.objects.exists()


def test_registration_names_each_missing_field(api_client):
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert {"email", "password1", "password2"} <= set(response.json())


def test_registration_refuses_an_invalid_email(api_client):
    response = register(api_client, email="not-an-email")

    assert response.status_code == 400
    assert "email" in response.json()


def test_registration_sets_no_session_or_flash_cookie(api_client):
    """Issue 18 item 10: an API client gets its credentials in the body, and no cookie."""
    response = register(api_client)

    assert response.status_code == 201, response.data
    set_cookies = {name for name, morsel in response.cookies.items() if morsel.value}
    assert set_cookies == set(), set_cookies
    assert APIClient().get("/api/auth/user/").status_code == 401  # nobody is signed in by a cookie
    assert api_client.get("/api/auth/user/").status_code == 401
