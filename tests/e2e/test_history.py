"""A new user signs up, connects Spotify through the consent page, imports their Last.fm history
and sees it, with a chart."""

from sandbox.services import lastfm as lastfm_sandbox
from tests.e2e.conftest import connect_spotify, shot, sign_up


def test_sign_up_connect_backfill_and_see_the_history(new_page):
    page = new_page()
    sign_up(page, "history@example.com", "Hana History")
    connect_spotify(page)
    assert "connected" in page.text_content("#service-spotify").lower()

    page.fill("#key-lastfm", lastfm_sandbox.VALID_API_KEY)
    page.fill("#uid-lastfm", lastfm_sandbox.USER)
    page.click("#service-lastfm button[type=submit]:has-text('Save')")
    page.wait_for_function(
        "() => document.querySelector('#service-lastfm').innerText.toLowerCase().includes('connected')"
    )
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)
    assert "100%" in page.text_content(".job[data-status=done]")
    shot(page, "connections")

    page.goto("/history?range=365")
    page.wait_for_selector("#charts-title")
    shot(page, "history")
    assert page.locator("section[aria-labelledby=charts-title] svg").count() >= 3
    assert page.locator("text=Hoppípolla").count() > 0
