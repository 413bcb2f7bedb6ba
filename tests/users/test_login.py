from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from users.models import ApiToken

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
ME = "/api/auth/user/"


def login(client: APIClient, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def test_login_returns_token_jwt_pair_and_user(api_client, user):
    response = login(api_client, user.email)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"key", "access", "refresh", "user"}
    assert ApiToken.objects.get(user=user).digest == ApiToken.digest_of(body["key"])
    assert AccessToken(body["access"])["user_id"] == str(user.id)
    assert RefreshToken(body["refresh"])["user_id"] == str(user.id)
    assert body["user"] == {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "image": None,
        "is_admin": False,
        "date_joined": body["user"]["date_joined"],
        "time_zone": "",
    }


def test_login_email_is_case_insensitive(api_client):
    UserFactory(email="mixed@example.com")

    response = login(api_client, "MiXeD@Example.COM")

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "mixed@example.com"


@pytest.mark.parametrize("email", ["user-that-exists", "nobody@example.com"])
def test_login_with_wrong_credentials_answers_400(api_client, user, email):
    email = user.email if email == "user-that-exists" else email

    response = login(api_client, email, password="wrong-password-1")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["Unable to log in with provided credentials."]
    assert "key" not in response.json()


def test_login_refuses_a_disabled_account(api_client):
    user = UserFactory(is_active=False)

    response = login(api_client, user.email)

    assert response.status_code == 400


def test_login_names_missing_fields(api_client):
    response = api_client.post(LOGIN, {}, format="json")

    assert response.status_code == 400
    assert {"email", "password"} <= set(response.json())


def test_sign_in_is_throttled_per_client(api_client, user):
    for _ in range(10):
        assert login(api_client, user.email, "wrong-password-1").status_code == 400

    response = login(api_client, user.email)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    other_client = APIClient(REMOTE_ADDR="10.1.2.3")
    assert login(other_client, user.email).status_code == 200


def test_registration_shares_the_sign_in_throttle(api_client):
    for n in range(10):
        api_client.post("/api/auth/registration/", {"email": f"x{n}@example.com"}, format="json")

    response = api_client.post("/api/auth/registration/", {}, format="json")

    assert response.status_code == 429


def test_missing_credentials_answer_401_with_drfs_message(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Token 0123456789abcdef0123456789abcdef01234567", "Bearer not.a.jwt"])
def test_bad_credentials_answer_401(api_client, header):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_malformed_authorization_header_answers_401(api_client):
    response = api_client.get(ME, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401
    assert response.json()["code"] == "bad_authorization_header"


def test_expired_access_jwt_answers_401(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "token_not_valid"}


def test_jwt_refresh_rotates_and_blacklists_the_old_refresh(api_client, user):
    refresh = login(api_client, user.email).json()["refresh"]

    response = api_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {body['access']}").status_code == 200
    assert body["refresh"] != refresh
    reused = api_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert reused.status_code == 401


def test_jwt_verify(api_client, user):
    access = login(api_client, user.email).json()["access"]

    assert api_client.post("/api/auth/token/verify/", {"token": access}, format="json").status_code == 200
    bad = api_client.post("/api/auth/token/verify/", {"token": "nope"}, format="json")
    assert bad.status_code == 401
    assert bad.json()["code"] == "token_not_valid"


def test_logout_ends_the_token_and_blacklists_the_refresh(api_client, user):
    credentials = login(api_client, user.email).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {credentials['key']}")

    response = client.post("/api/auth/logout/", {"refresh": credentials["refresh"]}, format="json")

    assert response.status_code == 200
    assert client.get(ME).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    refreshed = api_client.post(
        "/api/auth/token/refresh/", {"refresh": credentials["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401


def test_logout_with_a_bad_refresh_changes_nothing(user):
    client = client_for(user, "token")

    response = client.post("/api/auth/logout/", {"refresh": "garbage"}, format="json")

    assert response.status_code == 400
    assert "refresh" in response.json()
    assert client.get(ME).status_code == 200


def test_logout_without_any_credential_answers_401(api_client):
    assert api_client.post("/api/auth/logout/", {}, format="json").status_code == 401


def test_password_change_then_login_with_the_new_one(api_client, user):
    client = client_for(user, "jwt")
    new = "another-Str0ng-passphrase"

    response = client.post(
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert login(api_client, user.email, new).status_code == 200


def test_unknown_api_path_answers_json_404(api_client):
    response = api_client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
