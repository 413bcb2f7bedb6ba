"""A new password ends every credential issued before it, whichever way it is set: the API's password
change, or `set_password()` + `save()` (what a reset, the admin's form and `manage.py changepassword`
do). DRF tokens, refresh and access JWTs, other browsers' sessions, signed stream links and the
WebSocket subprotocol all stop working; the caller who changed it keeps working."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient

from config.asgi import application
from musics import services as music_services
from tests.factories import PASSWORD, UserFactory
from tests.musics import upload, wav_bytes

NEW_PASSWORD = "another-Str0ng-passphrase"
ME = "/api/auth/user/"
CHANGE = "/api/auth/password/change/"
REFRESH = "/api/auth/token/refresh/"
CHANGE_BODY = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
WS_HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


def sign_in(user) -> dict:
    response = APIClient().post(
        "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


def change_password(user, how: str) -> None:
    """Sets NEW_PASSWORD from another device (a token client of its own), or as a reset does."""
    if how == "api":
        caller = with_header(f"Token {sign_in(user)['key']}")
        response = caller.post(CHANGE, CHANGE_BODY, format="json")
        assert response.status_code == 200, response.content
    else:
        user.refresh_from_db()
        user.set_password(NEW_PASSWORD)
        user.save()


HOW = pytest.mark.parametrize("how", ["api", "set_password"])


@HOW
@pytest.mark.django_db
def test_an_old_drf_token_stops_working(how):
    user = UserFactory()
    old = with_header(f"Token {sign_in(user)['key']}")
    assert old.get(ME).status_code == 200

    change_password(user, how)

    assert old.get(ME).status_code == 401


@HOW
@pytest.mark.django_db
def test_an_old_access_jwt_stops_working(how):
    user = UserFactory()
    access = sign_in(user)["access"]
    old = with_header(f"Bearer {access}")
    assert old.get(ME).status_code == 200

    change_password(user, how)

    assert old.get(ME).status_code == 401
    assert APIClient().post("/api/auth/token/verify/", {"token": access}, format="json").status_code == 401


@HOW
@pytest.mark.django_db
def test_an_old_refresh_jwt_is_refused_by_the_refresh_endpoint(how):
    user = UserFactory()
    refresh = sign_in(user)["refresh"]

    change_password(user, how)

    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@HOW
@pytest.mark.django_db
def test_another_browsers_session_ends(how):
    user = UserFactory()
    browser = Client()
    assert browser.login(email=user.email, password=PASSWORD)
    assert browser.get(ME).status_code == 200

    change_password(user, how)

    assert browser.get(ME).status_code in (401, 403)


@HOW
@pytest.mark.django_db
def test_an_old_signed_stream_link_stops_playing(how):
    user = UserFactory()
    song = music_services.song_create(
        audio=upload(wav_bytes(0.2), "x.wav", "audio/wav"), title="Blue Hour", artist="Nova Lane"
    )
    link = with_header(f"Token {sign_in(user)['key']}").get(f"/api/songs/{song.pk}/").json()["stream_url"]
    link = link.replace("http://testserver", "")
    assert APIClient().get(link).status_code == 200

    change_password(user, how)

    response = APIClient().get(link)
    assert response.status_code == 403
    assert response.json()["code"] == "bad_stream_link"


def socket_closes_at_once(offered: str) -> bool:
    """Whether /ws/messages/ refuses the subprotocol credential (closes with 4401: anonymous)."""

    async def scenario():
        socket = WebsocketCommunicator(
            application, "/ws/messages/", headers=WS_HEADERS, subprotocols=[offered]
        )
        connected, _ = await socket.connect()
        if not connected:
            return True
        if await socket.receive_nothing(timeout=0.3):  # open and signed in
            await socket.disconnect()
            return False
        output = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return output == {"type": "websocket.close", "code": 4401}

    return async_to_sync(scenario)()


@HOW
@pytest.mark.parametrize("scheme", ["token", "bearer"])
@pytest.mark.django_db(transaction=True)
def test_an_old_websocket_subprotocol_credential_is_refused(how, scheme):
    user = UserFactory()
    credentials = sign_in(user)
    offered = f"token.{credentials['key']}" if scheme == "token" else f"bearer.{credentials['access']}"
    assert not socket_closes_at_once(offered)

    change_password(user, how)

    assert socket_closes_at_once(offered)


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
@pytest.mark.django_db
def test_the_api_caller_gets_fresh_credentials_and_what_it_sent_ends(scheme):
    user = UserFactory()
    sent = sign_in(user)
    caller = with_header(f"Token {sent['key']}" if scheme == "Token" else f"Bearer {sent['access']}")

    response = caller.post(CHANGE, CHANGE_BODY, format="json")

    assert response.status_code == 200
    fresh = response.json()
    assert fresh["detail"] == "New password has been saved."
    assert with_header(f"Token {fresh['key']}").get(ME).status_code == 200
    assert with_header(f"Bearer {fresh['access']}").get(ME).status_code == 200
    assert APIClient().post(REFRESH, {"refresh": fresh["refresh"]}, format="json").status_code == 200
    assert caller.get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": sent["refresh"]}, format="json").status_code == 401


@pytest.mark.django_db
def test_the_browser_that_changed_it_stays_signed_in_and_gets_no_token():
    user = UserFactory()
    browser = Client()
    assert browser.login(email=user.email, password=PASSWORD)

    response = browser.post(CHANGE, CHANGE_BODY, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"detail": "New password has been saved."}
    assert browser.get(ME).status_code == 200


@pytest.mark.django_db
def test_the_admins_password_form_ends_the_users_tokens():
    user = UserFactory()
    old = with_header(f"Token {sign_in(user)['key']}")
    admin = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)

    response = browser.post(
        f"/admin/users/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert old.get(ME).status_code == 401


@pytest.mark.django_db
def test_a_new_password_also_tidies_the_dead_tokens_away():
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from users.models import ApiToken

    user = UserFactory()
    sign_in(user)
    sign_in(user)
    assert ApiToken.objects.filter(user=user).count() == 2

    change_password(user, "set_password")

    assert not ApiToken.objects.filter(user=user).exists()
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
