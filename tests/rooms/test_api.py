"""Seed 002's rooms against the sandbox's Spotify: join, pause rights, votes, errors, credit."""

import pytest
from django.conf import settings

from listening.models import Listen
from providers.spotify import SpotifyClient
from rooms.models import Member, Room, Vote
from sandbox.services import spotify as spotify_sandbox
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.listening.conftest import connect_spotify

pytestmark = pytest.mark.django_db


def current_track(sandbox) -> str:
    return sandbox.admin("spotify", "state", user=spotify_sandbox.PREMIUM_USER)


def test_a_host_creates_and_guests_join(host_client, host, room_code, anonymous_guest, signed_in_guest):
    assert len(room_code) == 8
    assert room_code.isupper() or room_code.isalnum()

    anon = anonymous_guest.post(f"/api/rooms/{room_code}/join/")
    signed = signed_in_guest.post(f"/api/rooms/{room_code}/join/")
    seen_by_host = host_client.get(f"/api/rooms/{room_code}/").json()

    assert anon.status_code == 200
    assert anon.json()["is_host"] is False
    assert anon.json()["is_member"] is True
    assert signed.status_code == 200
    assert seen_by_host["is_host"] is True
    assert seen_by_host["guest_can_pause"] is False
    assert seen_by_host["votes_to_skip"] == 2
    assert [member["name"] for member in seen_by_host["members"]] == [
        "Hosting Harriet",
        "Guest",
        "Guest Greg",
    ]
    body = str(seen_by_host)
    assert host.email not in body
    assert "sessionid" not in body


def test_creating_again_updates_the_hosts_room(host_client, room_code):
    again = host_client.post("/api/rooms/", {"guest_can_pause": True, "votes_to_skip": 3}, format="json")

    assert again.json()["code"] == room_code
    assert Room.objects.count() == 1
    assert Room.objects.get().votes_to_skip == 3


def test_a_host_needs_spotify(sandbox):
    client = client_for(UserFactory(), "token")

    response = client.post("/api/rooms/", {"votes_to_skip": 2}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "spotify_not_connected"
    assert "Connect Spotify" in response.json()["detail"]
    assert "/spotify/" not in response.json()["detail"]  # people read it: a page and a button, no API path


def test_bad_settings_are_400(host_client):
    response = host_client.post("/api/rooms/", {"votes_to_skip": 0}, format="json")

    assert response.status_code == 400
    assert "votes_to_skip" in response.json()


def test_an_unknown_room_is_404(anonymous_guest):
    response = anonymous_guest.get("/api/rooms/NOPE1234/")

    assert response.status_code == 404
    assert response.json()["detail"] == "Room not found"


def test_only_the_host_changes_the_settings(host_client, room_code, signed_in_guest):
    signed_in_guest.post(f"/api/rooms/{room_code}/join/")

    refused = signed_in_guest.patch(f"/api/rooms/{room_code}/", {"guest_can_pause": True}, format="json")
    changed = host_client.patch(f"/api/rooms/{room_code}/", {"guest_can_pause": True}, format="json")

    assert refused.status_code == 403
    assert changed.json()["guest_can_pause"] is True


def test_mine_is_the_room_i_am_in(room_code, anonymous_guest):
    assert anonymous_guest.get("/api/rooms/mine/").status_code == 404
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    assert anonymous_guest.get("/api/rooms/mine/").json()["code"] == room_code


def test_the_current_song_comes_from_the_hosts_spotify(sandbox, host_client, room_code, anonymous_guest):
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    response = anonymous_guest.get(f"/api/rooms/{room_code}/current-song/")

    assert response.status_code == 200
    song = response.json()
    assert set(song) == {
        "title",
        "artist",
        "album_art",
        "duration_ms",
        "progress_ms",
        "is_playing",
        "votes",
        "votes_required",
        "id",
    }
    assert song["votes"] == 0
    assert song["votes_required"] == 2
    assert song["title"]


def test_nothing_playing_is_204(sandbox, host_client, room_code):
    sandbox.admin("spotify", "set_playback", user=spotify_sandbox.PREMIUM_USER, active=False)

    assert host_client.get(f"/api/rooms/{room_code}/current-song/").status_code == 204


def test_a_guest_may_not_pause_unless_the_room_allows_it(sandbox, host_client, room_code, anonymous_guest):
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    refused = anonymous_guest.put(f"/api/rooms/{room_code}/pause/")
    host_client.patch(f"/api/rooms/{room_code}/", {"guest_can_pause": True}, format="json")
    allowed = anonymous_guest.put(f"/api/rooms/{room_code}/pause/")

    assert refused.status_code == 403
    assert refused.json()["code"] == "guest_cannot_pause"
    assert allowed.status_code == 204
    assert current_track(sandbox)["is_playing"] is False
    assert host_client.put(f"/api/rooms/{room_code}/play/").status_code == 204
    assert current_track(sandbox)["is_playing"] is True


def test_outsiders_cannot_control_the_room(room_code, anonymous_guest):
    assert anonymous_guest.put(f"/api/rooms/{room_code}/play/").status_code == 403
    assert anonymous_guest.post(f"/api/rooms/{room_code}/skip/").status_code == 403
    assert anonymous_guest.get(f"/api/rooms/{room_code}/current-song/").status_code == 403


def test_votes_skip_the_song_when_enough_and_count_once(
    sandbox, host_client, room_code, anonymous_guest, signed_in_guest
):
    for guest in (anonymous_guest, signed_in_guest):
        guest.post(f"/api/rooms/{room_code}/join/")
    before = host_client.get(f"/api/rooms/{room_code}/current-song/").json()["id"]

    first = anonymous_guest.post(f"/api/rooms/{room_code}/skip/").json()
    again = anonymous_guest.post(f"/api/rooms/{room_code}/skip/").json()
    assert host_client.get(f"/api/rooms/{room_code}/current-song/").json()["id"] == before
    second = signed_in_guest.post(f"/api/rooms/{room_code}/skip/").json()

    assert first == {"skipped": False, "votes": 1, "votes_required": 2}
    assert again == {"skipped": False, "votes": 1, "votes_required": 2}
    assert second["skipped"] is True
    after = host_client.get(f"/api/rooms/{room_code}/current-song/").json()
    assert after["id"] != before
    assert after["votes"] == 0
    assert not Vote.objects.exists()


def test_the_host_skips_at_once(sandbox, host_client, room_code):
    before = host_client.get(f"/api/rooms/{room_code}/current-song/").json()["id"]

    result = host_client.post(f"/api/rooms/{room_code}/skip/").json()

    assert result["skipped"] is True
    assert host_client.get(f"/api/rooms/{room_code}/current-song/").json()["id"] != before


def test_the_host_leaving_closes_the_room(host_client, room_code, anonymous_guest):
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    assert host_client.post(f"/api/rooms/{room_code}/leave/").status_code == 204

    assert not Room.objects.exists()
    assert not Member.objects.exists()
    assert anonymous_guest.get(f"/api/rooms/{room_code}/").status_code == 404


def test_a_guest_leaving_leaves_the_room_open(room_code, anonymous_guest):
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    anonymous_guest.post(f"/api/rooms/{room_code}/leave/")

    assert Room.objects.exists()
    assert Member.objects.count() == 1


def test_joining_another_room_leaves_the_first(sandbox, room_code, anonymous_guest):
    other_host = UserFactory()
    connect_spotify(sandbox, other_host, spotify_user=spotify_sandbox.IDLE_USER)
    other = client_for(other_host, "token").post("/api/rooms/", {}, format="json").json()["code"]
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")

    anonymous_guest.post(f"/api/rooms/{other}/join/")

    assert anonymous_guest.get("/api/rooms/mine/").json()["code"] == other
    assert Member.objects.filter(room__code=room_code).count() == 1


def test_no_active_device_and_not_premium_are_clear(sandbox):
    idle_host, free_host = UserFactory(), UserFactory()
    connect_spotify(sandbox, idle_host, spotify_user=spotify_sandbox.IDLE_USER)
    connect_spotify(sandbox, free_host, spotify_user=spotify_sandbox.FREE_USER)
    idle, free = client_for(idle_host, "token"), client_for(free_host, "token")
    idle_code = idle.post("/api/rooms/", {}, format="json").json()["code"]
    free_code = free.post("/api/rooms/", {}, format="json").json()["code"]

    no_device = idle.put(f"/api/rooms/{idle_code}/play/")
    not_premium = free.put(f"/api/rooms/{free_code}/pause/")

    assert no_device.status_code == 404
    assert no_device.json()["detail"].startswith("Open Spotify on a device first")
    assert not_premium.status_code == 403
    assert not_premium.json()["code"] == "premium_required"


def test_a_host_whose_spotify_needs_a_reconnect_says_so(sandbox, host_client, room_code):
    sandbox.admin("spotify", "revoke_refresh_token", user=spotify_sandbox.PREMIUM_USER)
    sandbox.fault("spotify-api", kind="token_expired", count=5)

    response = host_client.put(f"/api/rooms/{room_code}/pause/")

    assert response.status_code == 409
    assert response.json()["code"] == "host_reconnect_required"


def test_room_plays_land_in_signed_in_members_histories_once(
    sandbox, host, host_client, room_code, signed_in_guest, anonymous_guest
):
    signed_in_guest.post(f"/api/rooms/{room_code}/join/")
    anonymous_guest.post(f"/api/rooms/{room_code}/join/")
    first = host_client.get(f"/api/rooms/{room_code}/current-song/").json()

    host_client.post(f"/api/rooms/{room_code}/skip/")
    host_client.get(f"/api/rooms/{room_code}/current-song/")
    host_client.get(f"/api/rooms/{room_code}/current-song/")

    credited = Listen.objects.filter(source="room", title=first["title"])
    assert credited.count() == 2  # the host and the signed-in guest; the anonymous guest has no history
    assert set(credited.values_list("user", flat=True)) == {
        host.pk,
        Member.objects.get(user__full_name="Guest Greg").user_id,
    }


def test_an_anonymous_guest_needs_the_csrf_token(room_code):
    from rest_framework.test import APIClient

    strict = APIClient(enforce_csrf_checks=True)

    assert strict.post(f"/api/rooms/{room_code}/join/").status_code == 403
    assert settings.CSRF_COOKIE_NAME == "csrftoken"


def test_the_spotify_player_moved(sandbox, host, host_client, room_code):
    token = sandbox.admin("spotify", "issue_token", user=spotify_sandbox.PREMIUM_USER)["access_token"]
    before = SpotifyClient(settings.SPOTIFY_API_URL, token).currently_playing().item.id

    host_client.post(f"/api/rooms/{room_code}/skip/")

    assert SpotifyClient(settings.SPOTIFY_API_URL, token).currently_playing().item.id != before
