"""Past the server Spotify app's limit, in the browser: told why before Spotify, then bring your own app
on the Connections page and connect through it (issue 19; the screenshots are the README's)."""

from __future__ import annotations

import pytest

from sandbox.services import spotify as spotify_sandbox
from tests.e2e.conftest import SCREENSHOTS, shot, sign_up

OWN = {"client_id": "sams-own-spotify-app", "client_secret": "sams-own-secret"}

# The server's app (the active credential, made here when the demo has none) serves nobody more.
FULL = """
from credentials.models import SpotifyCredential
from sandbox.services.spotify import CLIENT_ID, CLIENT_SECRET
credential = SpotifyCredential.get_active_credential()
if credential is None:
    credential = SpotifyCredential.objects.create(
        name="spotify", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, is_active=True
    )
    print("created")
credential.max_users = 0
credential.save()
"""
RESTORE = """
from credentials.models import SpotifyCredential
credential = SpotifyCredential.get_active_credential()
{action}
"""


def shot_of(page, name: str, *selectors: str) -> None:
    """A picture of just these parts of the page (for the README), beside the full-page one."""
    boxes = [page.locator(selector).first.bounding_box() for selector in selectors]
    left, top = min(box["x"] for box in boxes), min(box["y"] for box in boxes)
    right = max(box["x"] + box["width"] for box in boxes)
    bottom = max(box["y"] + box["height"] for box in boxes)
    clip = {"x": left - 8, "y": top - 8, "width": right - left + 16, "height": bottom - top + 16}
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), clip=clip, full_page=True)


@pytest.fixture
def server_app_full(e2e_server):
    created = "created" in e2e_server.manage("shell", "-c", FULL)
    yield
    action = "credential.delete()" if created else "credential.max_users = 5; credential.save()"
    e2e_server.manage("shell", "-c", RESTORE.format(action=action))


def test_a_user_past_the_limit_is_told_why_and_connects_through_their_own_app(
    new_page, sandbox_server, server_app_full
):
    sandbox_server.admin("spotify", "register_app", users=[spotify_sandbox.UNLISTED_USER], **OWN)
    page = new_page()
    sign_up(page, "sam.six@example.com", "Sam Six")

    page.click("#service-spotify button:has-text('Connect Spotify')")
    page.wait_for_url("**/connections")
    assert "already serves as many people as Spotify allows" in page.inner_text("body")
    assert "Your Spotify app" in page.inner_text("body")
    card = page.locator("#service-spotify_app")
    assert "/spotify/redirect" in card.inner_text()  # the redirect URI to register
    shot(page, "spotify-app-full")
    shot_of(page, "spotify-app-full-cards", "ul.flash", "#service-spotify_app")

    card.locator("input[name=service_user_id]").fill(OWN["client_id"])
    card.locator("input[name=api_key]").fill(OWN["client_secret"])
    card.locator("button:has-text('Save')").click()
    page.wait_for_selector(f"#service-spotify_app:has-text('{OWN['client_id']}')")
    assert OWN["client_secret"] not in page.content()  # write-only
    shot(page, "spotify-own-app")
    shot_of(page, "spotify-own-app-card", "#service-spotify", "#service-spotify_app")

    page.click("#service-spotify button:has-text('Connect Spotify')")
    page.wait_for_selector("text=Agree")
    page.check(f"input[name=user][value={spotify_sandbox.UNLISTED_USER}]")
    page.click("button:has-text('Agree')")
    page.wait_for_url("**/connections?spotify=connected")
    assert "Connected through Spotify sign-in" in page.locator("#service-spotify").inner_text()
