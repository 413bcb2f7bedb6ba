"""Seed 002's room pages (/create, /join, /room/<code>) as a browser without JavaScript sees them."""

import re

import pytest
from django.test import Client

from rooms.models import Member, Room
from sandbox.services import spotify as spotify_sandbox
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def host(sandbox):
    user = UserFactory(full_name="Hosting Harriet")
    connect_spotify(sandbox, user)
    return user


@pytest.fixture
def host_browser(host) -> Client:
    return signed_in(host)


def open_room(browser: Client, *, guest_can_pause: bool = False, votes_to_skip: int = 2) -> str:
    data = {"votes_to_skip": votes_to_skip, **({"guest_can_pause": "on"} if guest_can_pause else {})}
    response = browser.post("/create", data)
    assert response.status_code == 302, response.content.decode()
    return response["Location"].removeprefix("/room/")


def pause_button(html: str) -> str:
    return re.search(r'<button id="room-toggle"[^>]*>', html).group(0)


def test_create_needs_a_signed_in_user(client):
    response = client.get("/create")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


def test_create_without_spotify_says_connect_spotify_first(sandbox):
    browser = signed_in(UserFactory())

    page = browser.get("/create").content.decode()
    refused = browser.post("/create", {"votes_to_skip": 2})
    connect = browser.post("/create/connect-spotify")

    assert "Connect Spotify first" in page
    assert 'hx-boost="false"' in page
    assert "Create the room" not in page
    assert refused.status_code == 200
    assert Room.objects.count() == 0
    assert connect.status_code == 302
    assert connect["Location"].startswith(sandbox.env["SPOTIFY_ACCOUNTS_URL"])


def test_create_opens_the_room_with_its_settings(host, host_browser):
    page = host_browser.get("/create").content.decode()
    code = open_room(host_browser, guest_can_pause=True, votes_to_skip=3)

    room = Room.objects.get()
    assert "Create the room" in page
    assert code == room.code
    assert room.host == host
    assert (room.guest_can_pause, room.votes_to_skip) == (True, 3)
    assert Member.objects.filter(room=room, user=host).exists()


def test_create_refuses_fewer_than_one_vote(host_browser):
    response = host_browser.post("/create", {"votes_to_skip": 0})

    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert Room.objects.count() == 0


def test_an_anonymous_guest_joins_by_code(host_browser):
    code = open_room(host_browser)
    guest = Client()

    form = guest.get(f"/join?code={code.lower()}").content.decode()
    joined = guest.post("/join", {"code": f" {code.lower()} "})
    page = guest.get(f"/room/{code}").content.decode()

    assert f'value="{code}"' in form
    assert joined.status_code == 302
    assert joined["Location"] == f"/room/{code}"
    assert Member.objects.filter(room__code=code, user=None).count() == 1
    assert "Guest" in page
    assert "Hosting Harriet" in page
    assert ">Leave<" in page
    assert "Close the room" not in page
    assert "Room rules" not in page  # the settings form is the host's


def test_a_signed_in_user_joins_by_code(host_browser):
    code = open_room(host_browser)
    member = UserFactory(full_name="Guest Greg")
    browser = signed_in(member)

    response = browser.post("/join", {"code": code})

    assert response.status_code == 302
    assert Member.objects.filter(room__code=code, user=member).exists()
    assert "Guest Greg" in browser.get(f"/room/{code}").content.decode()


def test_an_unknown_code_says_room_not_found(client):
    form = client.post("/join", {"code": "NOPE2345"})
    page = client.get("/room/NOPE2345")

    assert form.status_code == 404
    assert "Room not found" in form.content.decode()
    assert page.status_code == 404
    assert "Room not found" in page.content.decode()


def test_a_non_member_is_sent_to_join_with_the_code(host_browser):
    code = open_room(host_browser)

    response = Client().get(f"/room/{code}")

    assert response.status_code == 302
    assert response["Location"] == f"/join?code={code}"


def test_the_room_page_shows_the_song_and_the_hosts_controls(host_browser):
    code = open_room(host_browser, votes_to_skip=3)

    html = host_browser.get(f"/room/{code}").content.decode()

    assert f'data-code="{code}"' in html
    assert "Now playing" in html
    assert 'id="room-art" src="http' in html  # the sandbox's album art
    assert "disabled" not in pause_button(html)
    assert ">Skip <svg" in html
    assert 'id="room-votes-required">3<' in html
    assert "Room rules" in html
    assert "Close the room" in html
    assert "web/room.js" in html


def test_a_guest_cannot_pause_unless_the_room_allows_it(host_browser):
    code = open_room(host_browser, guest_can_pause=False)
    guest = Client()
    guest.post("/join", {"code": code})

    strict = guest.get(f"/room/{code}").content.decode()
    host_browser.post(f"/room/{code}/settings", {"guest_can_pause": "on", "votes_to_skip": 2})
    relaxed = guest.get(f"/room/{code}").content.decode()

    assert "disabled" in pause_button(strict)
    assert "Only the host can pause or play" in strict
    assert "Vote to skip" in strict
    assert "disabled" not in pause_button(relaxed)
    assert "Guests can pause and play" in relaxed


def test_only_the_host_changes_the_rules(host_browser):
    code = open_room(host_browser)
    guest = signed_in(UserFactory())
    guest.post("/join", {"code": code})

    guest.post(f"/room/{code}/settings", {"guest_can_pause": "on", "votes_to_skip": 9})

    room = Room.objects.get()
    assert (room.guest_can_pause, room.votes_to_skip) == (False, 2)


def test_an_idle_player_says_what_to_do(sandbox):
    idle_host = UserFactory()
    connect_spotify(sandbox, idle_host, spotify_user=spotify_sandbox.IDLE_USER)
    browser = signed_in(idle_host)
    code = open_room(browser)

    html = browser.get(f"/room/{code}").content.decode()

    assert "Nothing is playing" in html
    assert "starts a song on Spotify" in html


def test_spotify_errors_are_said_on_the_page(sandbox, host_browser):
    code = open_room(host_browser)
    sandbox.admin("spotify", "revoke_refresh_token", user=spotify_sandbox.PREMIUM_USER)
    sandbox.fault("spotify-api", kind="token_expired", count=5)

    response = host_browser.get(f"/room/{code}")

    assert response.status_code == 200
    assert "must connect Spotify again" in response.content.decode()


def test_a_guest_leaves_and_the_host_closes(host_browser):
    code = open_room(host_browser)
    guest = Client()
    guest.post("/join", {"code": code})

    left = guest.post(f"/room/{code}/leave")
    back = guest.get(f"/room/{code}")
    closed = host_browser.post(f"/room/{code}/leave")

    assert left.status_code == 302
    assert left["Location"] == "/join"
    assert back["Location"] == f"/join?code={code}"
    assert closed.status_code == 302
    assert closed["Location"] == "/"
    assert not Room.objects.filter(code=code).exists()


def test_leave_and_settings_need_post(host_browser):
    code = open_room(host_browser)

    assert host_browser.get(f"/room/{code}/leave").status_code == 405
    assert host_browser.get(f"/room/{code}/settings").status_code == 405
    assert Room.objects.filter(code=code).exists()
