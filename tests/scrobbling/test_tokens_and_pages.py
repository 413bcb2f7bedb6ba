"""Token management (/users/listenbrainz-token/ and the Connections page), the user name on the profile,
and the live playing-now line."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scrobbling.models import ListenBrainzToken, ScrobbleSettings
from scrobbling.services import listenbrainz_token_issue, playing_now_set
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.secrets_watch import watch
from users.services import user_name_set

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def validate(token: str) -> dict:
    return Client().get("/1/validate-token", HTTP_AUTHORIZATION=f"Token {token}").json()


# --- /users/listenbrainz-token/ --------------------------------------------------------------------


def test_the_token_api_needs_a_signed_in_user(db):
    assert Client().get("/users/listenbrainz-token/").status_code == 401
    assert Client().post("/users/listenbrainz-token/").status_code == 401


def test_make_show_once_remake_and_revoke(auth_client, user):
    empty = auth_client.get("/users/listenbrainz-token/").json()
    assert empty["has_token"] is False
    assert empty["public_listens"] is False
    assert empty["api_root"] == "http://testserver/"
    assert empty["api_root_alternative"] == "http://testserver/apis/listenbrainz/"

    made = auth_client.post("/users/listenbrainz-token/")
    assert made.status_code == 201
    assert made["Cache-Control"] == "no-store"
    token = watch(made.json()["token"])
    assert re.fullmatch(UUID, token)
    assert made.json()["prefix"] == token[:8]
    user.refresh_from_db()
    assert made.json()["user_name"] == user.user_name  # one was chosen from the e-mail address
    assert validate(token) == {
        "code": 200,
        "message": "Token valid.",
        "valid": True,
        "user_name": user.user_name,
    }

    state = auth_client.get("/users/listenbrainz-token/").json()
    assert state["has_token"] is True
    assert "token" not in state  # shown once
    assert token not in str(state)

    remade = watch(auth_client.post("/users/listenbrainz-token/").json()["token"])
    assert remade != token
    assert validate(token)["valid"] is False
    assert validate(remade)["valid"] is True

    assert auth_client.delete("/users/listenbrainz-token/").status_code == 204
    assert validate(remade)["valid"] is False
    missing = auth_client.delete("/users/listenbrainz-token/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_public_listens_setting(auth_client, user):
    response = auth_client.patch("/users/listenbrainz-token/", {"public_listens": True}, format="json")

    assert response.status_code == 200
    assert response.json()["public_listens"] is True
    assert ScrobbleSettings.objects.get(user=user).public_listens is True
    assert (
        auth_client.patch(
            "/users/listenbrainz-token/", {"public_listens": "maybe"}, format="json"
        ).status_code
        == 400
    )


def test_the_user_name_through_the_api(auth_client, user):
    UserFactory(user_name="taken")

    changed = auth_client.patch("/users/listenbrainz-token/", {"user_name": "nova-lane"}, format="json")
    taken = auth_client.patch("/users/listenbrainz-token/", {"user_name": "TAKEN"}, format="json")
    invalid = auth_client.patch("/users/listenbrainz-token/", {"user_name": "no spaces"}, format="json")

    assert changed.status_code == 200
    assert changed.json()["user_name"] == "nova-lane"
    assert (taken.status_code, taken.json()["code"]) == (400, "user_name_taken")
    assert invalid.status_code == 400
    assert "user_name" in invalid.json()
    user.refresh_from_db()
    assert user.user_name == "nova-lane"


def test_each_user_manages_only_their_own_token(user, other_user):
    mine = watch(client_for(user, "token").post("/users/listenbrainz-token/").json()["token"])

    client_for(other_user, "token").delete("/users/listenbrainz-token/")  # theirs: none

    assert validate(mine)["valid"] is True
    assert ListenBrainzToken.objects.filter(user=user).exists()


# --- the Connections page --------------------------------------------------------------------------


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_says_where_to_point_a_player(browser):
    html = browser.get("/connections").content.decode()

    assert "Send your plays to MusicHub" in html
    assert "http://testserver/apis/listenbrainz/" in html
    assert "http://testserver/1/" in html
    assert "Make my token" in html


def test_the_token_is_shown_once_on_the_page(browser, user):
    response = browser.post("/connections/listenbrainz/token")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = watch(re.search(rf'id="listenbrainz-token"[^>]*value="({UUID})"', html).group(1))
    assert ListenBrainzToken.objects.get(user=user).digest == ListenBrainzToken.digest_of(token)
    assert "shown only once" in html

    again = browser.get("/connections").content.decode()
    assert token not in again
    assert token[:8] in again  # its first characters, to tell it apart
    assert "Make a new token" in again


def test_htmx_gets_the_panel_alone(browser, user):
    response = browser.post("/connections/listenbrainz/token", **HTMX)
    html = response.content.decode()

    assert html.lstrip().startswith("<section")
    assert 'id="listenbrainz"' in html
    assert "<html" not in html
    watch(re.search(rf'value="({UUID})"', html).group(1))


def test_remake_and_revoke_from_the_page(browser, user):
    first = watch(listenbrainz_token_issue(user=user))

    remade = browser.post("/connections/listenbrainz/token", **HTMX).content.decode()
    second = watch(re.search(rf'value="({UUID})"', remade).group(1))
    assert "the old one no longer works" in remade
    assert validate(first)["valid"] is False

    revoked = browser.post("/connections/listenbrainz/token/revoke", **HTMX).content.decode()
    assert "revoked" in revoked
    assert validate(second)["valid"] is False
    assert (
        "You had no token" in browser.post("/connections/listenbrainz/token/revoke", **HTMX).content.decode()
    )


def test_public_reads_from_the_page(browser, user):
    browser.post("/connections/listenbrainz/settings", {"public_listens": "on"}, **HTMX)
    assert ScrobbleSettings.objects.get(user=user).public_listens is True

    browser.post("/connections/listenbrainz/settings", {}, **HTMX)
    assert ScrobbleSettings.objects.get(user=user).public_listens is False


def test_the_forms_need_a_signed_in_user_and_csrf(db, user):
    assert Client().post("/connections/listenbrainz/token").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/connections/listenbrainz/token").status_code == 403
    assert not ListenBrainzToken.objects.exists()


# --- the profile: user name, playing now -----------------------------------------------------------


def test_the_profile_shows_and_edits_the_user_name(browser, user):
    html = browser.get("/profile").content.decode()
    user.refresh_from_db()
    assert user.user_name  # chosen from the e-mail address on first visit
    assert f'value="{user.user_name}"' in html

    response = browser.post("/profile", {"full_name": "Nova", "user_name": "nova-lane"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.user_name == "nova-lane"


@pytest.mark.parametrize("name", ["a", "has space", "slash/name", "-leading", "x" * 41, "émile"])
def test_a_bad_user_name_is_refused(browser, user, name):
    response = browser.post("/profile", {"full_name": "Nova", "user_name": name})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid user name" in html or "at most 40 characters" in html
    user.refresh_from_db()
    assert user.user_name != name


def test_a_taken_user_name_is_refused_whatever_its_case(browser, user):
    user_name_set(user=UserFactory(), user_name="Nova")

    response = browser.post("/profile", {"full_name": "Nova", "user_name": "nova"})

    assert "This user name is taken" in response.content.decode()


def test_user_names_chosen_from_the_same_address_are_numbered(db):
    first = UserFactory(email="sam@example.com")
    second = UserFactory(email="sam@example.org")

    listenbrainz_token_issue(user=first)
    listenbrainz_token_issue(user=second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.user_name, second.user_name) == ("sam", "sam-2")


def test_the_profile_and_history_pages_show_playing_now_live(browser, user):
    for page in ("/profile", "/history"):
        html = browser.get(page).content.decode()
        assert 'id="playing-now"' in html
        assert 'hx-get="/playing-now"' in html
        # it replaces itself, not the page's #main that the body's hx-target/hx-select name
        assert 'hx-target="this" hx-select="unset" hx-select-oob="unset"' in html

    assert "Playing now" not in browser.get("/playing-now").content.decode()
    playing_now_set(
        user=user,
        track_metadata={
            "artist_name": "Nova Lane",
            "track_name": "Tail Lights",
            "additional_info": {"submission_client": "Navidrome"},
        },
    )
    line = browser.get("/playing-now").content.decode()
    assert "Tail Lights" in line
    assert "Nova Lane" in line
    assert "Navidrome" in line


def test_playing_now_is_only_ever_the_users_own(browser, user):
    playing_now_set(user=UserFactory(), track_metadata={"artist_name": "Someone", "track_name": "Else"})

    assert "Else" not in browser.get("/playing-now").content.decode()
