"""Two guests vote a song away in the host's room; everyone sees the same song change, live."""

from tests.e2e.conftest import connect_spotify, shot, sign_up


def test_two_browsers_in_one_room_see_the_song_change_after_votes(new_page):
    host = new_page()
    sign_up(host, "host@example.com", "Hal Host")
    connect_spotify(host)
    host.goto("/create")
    host.fill("input[name=votes_to_skip]", "2")
    host.click("form.stack button[type=submit]")
    host.wait_for_url("**/room/*")
    code = host.text_content("#room-code").strip()
    host.wait_for_selector("#room-live:has-text('Live')")

    guest = new_page(width=390, height=844)  # an anonymous guest on a phone
    guest.goto(f"/join?code={code}")
    guest.click("form.stack button[type=submit]")
    guest.wait_for_url(f"**/room/{code}")
    friend = new_page()
    sign_up(friend, "friend@example.com", "Fran Friend")
    friend.goto(f"/join?code={code}")
    friend.click("form.stack button[type=submit]")
    friend.wait_for_url(f"**/room/{code}")
    for page in (guest, friend):
        page.wait_for_selector("#room-live:has-text('Live')")

    before = host.get_attribute("#room", "data-song-id")
    assert before
    assert guest.get_attribute("#room", "data-song-id") == before
    guest.click("#room-skip")
    host.wait_for_function("() => document.getElementById('room-votes').textContent.trim() === '1'")
    shot(host, "room-host")
    friend.click("#room-skip")

    for page in (host, guest, friend):
        page.wait_for_function(
            "before => document.getElementById('room').dataset.songId !== before", arg=before, timeout=20000
        )
    assert host.get_attribute("#room", "data-song-id") == guest.get_attribute("#room", "data-song-id")
    assert (
        host.text_content("#room-title")
        == guest.text_content("#room-title")
        == friend.text_content("#room-title")
    )
    shot(guest, "room-guest-phone")
