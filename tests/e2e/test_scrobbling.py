"""A new user makes a ListenBrainz token on Connections, a player sends plays with it, and the
History and Profile pages show the play and, live, what is playing now."""

import time

import httpx

from tests.e2e.conftest import shot, sign_up
from tests.secrets_watch import watch


def test_make_a_token_scrobble_and_see_it_playing_now(new_page, e2e_server):
    page = new_page()
    sign_up(page, "scrobbler@example.com", "Sam Scrobbler")

    page.goto("/connections")
    page.click("#listenbrainz button:has-text('Make my token')")
    page.wait_for_selector("#listenbrainz-token")
    token = watch(page.input_value("#listenbrainz-token"))
    assert "shown only once" in page.text_content("#listenbrainz")
    shot(page, "connections-listenbrainz")

    headers = {"Authorization": f"Token {token}"}  # as Navidrome sends it, to the address the panel shows
    api = f"{e2e_server.url}/1/"
    assert httpx.get(f"{api}validate-token", headers=headers).json()["valid"] is True
    now = int(time.time())
    single = {
        "listened_at": now - 600,
        "track_metadata": {"artist_name": "Nova Lane", "track_name": "Tail Lights"},
    }
    playing = {
        "track_metadata": {
            "artist_name": "Nova Lane",
            "track_name": "Night Drive",
            "additional_info": {"duration": 240, "submission_client": "Navidrome"},
        }
    }
    for listen_type, listen in (("single", single), ("playing_now", playing)):
        response = httpx.post(
            f"{api}submit-listens", headers=headers, json={"listen_type": listen_type, "payload": [listen]}
        )
        assert response.json() == {"status": "ok"}

    page.goto("/history")
    page.wait_for_function("() => document.querySelector('#playing-now').innerText.includes('Night Drive')")
    assert page.locator("text=Tail Lights").count() > 0
    assert page.locator("#charts-title").count() == 1  # the line filled itself, not the page
    shot(page, "history-playing-now")

    page.goto("/profile")
    page.wait_for_function("() => document.querySelector('#playing-now').innerText.includes('Navidrome')")
