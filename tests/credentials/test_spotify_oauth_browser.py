"""A Spotify authorization completes only in the browser that started it (user connect and admin flow).

The attack: someone starts "Connect Spotify" on their own MusicHub account and gets a victim to open the
link; the victim approves at Spotify and their browser comes back with a code for the victim's Spotify.
The state alone would attach the victim's Spotify to the attacker's account; the cookie set on the
attacker's browser is missing from the victim's, so nothing is attached and the state is used up.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from django.test import Client

from credentials import utils
from credentials.models import OAuthState, SpotifyCredential
from sandbox.services import spotify as spotify_sandbox
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.spotify_browser import consent, query
from users.models import UserApiKey

pytestmark = pytest.mark.django_db


def signed_in_browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def oauth_cookies(response) -> dict:
    return {name: morsel for name, morsel in response.cookies.items() if name.startswith("mh_spotify")}


def come_back(browser: Client, location: str):
    parts = urlsplit(location)
    return browser.get(f"{parts.path}?{parts.query}")


# --- a user's connection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_get_auth_url_sets_a_short_lived_httponly_cookie_whose_digest_is_kept(sandbox, settings, debug):
    settings.DEBUG = debug
    browser = signed_in_browser(UserFactory())

    response = browser.get("/spotify/get-auth-url")

    (name, cookie), *others = oauth_cookies(response).items()
    assert others == []
    assert name.startswith("mh_spotify_oauth_")
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/spotify/redirect"
    assert cookie["max-age"] == int(OAuthState.LIFETIME.total_seconds())
    assert bool(cookie["secure"]) is (not debug)
    state = OAuthState.objects.get(state=query(response.json()["url"])["state"])
    assert state.browser_digest == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert cookie.value not in state.browser_digest


@pytest.mark.parametrize("victim_signed_in", [False, True])
def test_the_attackers_link_opened_in_the_victims_browser_attaches_nothing(sandbox, victim_signed_in):
    attacker, victim = UserFactory(), UserFactory()
    attacker_browser = signed_in_browser(attacker)
    url = attacker_browser.get("/spotify/get-auth-url").json()["url"]
    victim_browser = signed_in_browser(victim) if victim_signed_in else Client()

    location = consent(url, user=spotify_sandbox.PREMIUM_USER)  # the victim approves at Spotify
    response = come_back(victim_browser, location)

    params = query(response["Location"])
    assert params["spotify"] == "error"
    assert params["reason"] == "wrong_browser"
    assert "another browser" in params["message"]
    assert not UserApiKey.objects.exists()
    # The state is used up: the attacker cannot replay the victim's code from their own browser.
    replay = come_back(attacker_browser, location)
    assert query(replay["Location"])["reason"] == "invalid_state"
    assert not UserApiKey.objects.exists()


def test_an_api_client_and_its_browser_must_be_the_same(sandbox, user):
    """A token client that asks for the URL and has another browser open it is refused (the README
    rule); the same client coming back, with the cookie it was given, connects."""
    api = client_for(user, "token")
    url = api.get("/spotify/get-auth-url").json()["url"]

    other = come_back(Client(), consent(url))
    assert query(other["Location"])["reason"] == "wrong_browser"

    url = api.get("/spotify/get-auth-url").json()["url"]
    same = come_back(api, consent(url))
    assert query(same["Location"]) == {"spotify": "connected"}
    assert UserApiKey.objects.filter(user=user, service_name="spotify").exists()


def test_a_cookie_with_another_value_is_refused(sandbox, user):
    browser = signed_in_browser(user)
    response = browser.get("/spotify/get-auth-url")
    (name, _cookie), *_ = oauth_cookies(response).items()
    browser.cookies[name] = "a-value-this-browser-was-never-given"

    answer = come_back(browser, consent(response.json()["url"]))

    assert query(answer["Location"])["reason"] == "wrong_browser"
    assert not UserApiKey.objects.exists()


def test_two_flows_in_two_tabs_of_one_browser_both_complete(sandbox, user):
    browser = signed_in_browser(user)
    first = consent(browser.get("/spotify/get-auth-url").json()["url"])
    second = consent(browser.get("/spotify/get-auth-url").json()["url"])

    assert query(come_back(browser, first)["Location"]) == {"spotify": "connected"}
    assert query(come_back(browser, second)["Location"]) == {"spotify": "connected"}


def test_the_callback_forgets_the_cookie(sandbox, user):
    browser = signed_in_browser(user)
    response = browser.get("/spotify/get-auth-url")
    (name, _cookie), *_ = oauth_cookies(response).items()

    answer = come_back(browser, consent(response.json()["url"]))

    assert answer.cookies[name].value == ""
    assert answer.cookies[name]["max-age"] == 0
    assert answer.cookies[name]["path"] == "/spotify/redirect"


@pytest.mark.parametrize("start_path", ["/connections/spotify/connect", "/create/connect-spotify"])
def test_the_web_pages_connect_button_binds_the_browser(sandbox, user, start_path):
    browser = signed_in_browser(user)
    start = browser.post(start_path)
    assert start.status_code == 302
    assert oauth_cookies(start)
    location = consent(start["Location"])

    stranger = come_back(Client(), location)
    assert query(stranger["Location"])["reason"] == "wrong_browser"
    assert not UserApiKey.objects.exists()

    again = browser.post(start_path)
    done = come_back(browser, consent(again["Location"]))
    assert query(done["Location"]) == {"spotify": "connected"}


def test_the_connections_page_explains_a_refused_browser(sandbox, user):
    attacker = signed_in_browser(UserFactory())
    location = consent(attacker.post("/connections/spotify/connect")["Location"])
    victim = signed_in_browser(user)

    landing = come_back(victim, location)["Location"]
    page = victim.get(landing).content.decode()

    assert "another browser" in page
    assert not UserApiKey.objects.exists()


# --- the admin's app credential ----------------------------------------------------------------------------


def admin_credential() -> SpotifyCredential:
    return utils.create_platform_credential(
        platform_name="spotify",
        client_id=spotify_sandbox.CLIENT_ID,
        client_secret=spotify_sandbox.CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/admin/credentials/spotifycredential/1/oauth-callback/",
    )


def admin_callback(browser: Client, credential: SpotifyCredential, location: str):
    return browser.get(
        f"/admin/credentials/spotifycredential/{credential.pk}/oauth-callback/?{urlsplit(location).query}",
        follow=True,
    )


def test_start_oauth_flow_sets_the_admin_browser_cookie(sandbox, admin_browser):
    credential = admin_credential()

    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")

    (name, cookie), *others = oauth_cookies(start).items()
    assert others == []
    assert name.startswith("mh_spotify_admin_oauth_")
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/admin/credentials/spotifycredential/1/oauth-callback/"
    state = OAuthState.objects.get(state=query(start["Location"])["state"])
    assert state.browser_digest == hashlib.sha256(cookie.value.encode()).hexdigest()


def test_the_admin_callback_in_another_browser_saves_nothing_and_uses_the_state_up(sandbox, admin_browser):
    credential = admin_credential()
    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")
    location = consent(start["Location"], user=spotify_sandbox.FREE_USER)
    other_browser = signed_in_browser(UserFactory(is_staff=True, is_superuser=True))

    response = admin_callback(other_browser, credential, location)

    assert "OAuth failed" in response.content.decode()
    assert "another browser" in response.content.decode()
    credential.refresh_from_db()
    assert not credential.access_token
    replay = admin_callback(admin_browser, credential, location)
    assert "OAuth failed" in replay.content.decode()
    credential.refresh_from_db()
    assert not credential.access_token


def test_the_admin_callback_without_a_state_saves_nothing(sandbox, admin_browser):
    """A link with only a code (someone else's Spotify) must not complete the pending flow."""
    credential = admin_credential()
    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")
    code = query(consent(start["Location"], user=spotify_sandbox.FREE_USER))["code"]

    response = admin_browser.get(
        f"/admin/credentials/spotifycredential/{credential.pk}/oauth-callback/?code={code}", follow=True
    )

    assert "OAuth failed" in response.content.decode()
    credential.refresh_from_db()
    assert not credential.access_token


def test_the_admin_flow_completes_in_the_browser_that_started_it(sandbox, admin_browser):
    credential = admin_credential()
    start = admin_browser.get(f"/admin/credentials/spotifycredential/{credential.pk}/start-oauth/")

    response = admin_callback(admin_browser, credential, consent(start["Location"]))

    assert "Spotify authorised" in response.content.decode()
    credential.refresh_from_db()
    assert credential.access_token
