"""A new user signs up, connects Spotify through the consent page, imports their Last.fm history
and sees it, with a chart."""

import re

from sandbox.services import lastfm as lastfm_sandbox
from tests.e2e.conftest import connect_spotify, shot, sign_in, sign_up


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


def _import_lastfm(page, key: str, user: str) -> None:
    page.goto("/connections")
    page.fill("#key-lastfm", key)
    page.fill("#uid-lastfm", user)
    page.click("#service-lastfm button[type=submit]:has-text('Save')")
    page.wait_for_function(
        "() => document.querySelector('#service-lastfm').innerText.toLowerCase().includes('connected')"
    )
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)


def test_the_demo_history_reaches_today(new_page, e2e_server):
    """Issue 18 item 2: `make run` gives the demo the sandbox's Last.fm user, whose plays end today."""
    env = e2e_server.env
    e2e_server.manage(
        "create_demo_user",
        "--lastfm-key",
        env["DEMO_LASTFM_API_KEY"],
        "--lastfm-user",
        env["DEMO_LASTFM_USER"],
    )
    page = new_page()
    sign_in(page)
    page.goto("/connections")
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)
    page.goto("/history")
    title = page.text_content("#charts-title")
    plays = re.fullmatch(r"Last 30 days · (\d+) plays?", title.strip())
    assert plays, title
    assert int(plays[1]) > 0
    assert page.locator("#range-empty").count() == 0
    assert page.locator("section[aria-labelledby=charts-title] svg").count() >= 3


def test_an_empty_range_says_where_the_plays_are(new_page):
    page = new_page()
    sign_up(page, "solo@example.com", "Solo Listener")
    _import_lastfm(page, lastfm_sandbox.VALID_API_KEY, lastfm_sandbox.SINGLE_SCROBBLE_USER)
    page.goto("/history")
    empty = page.locator("#range-empty")
    assert "Your newest play is from 14 November 2023" in empty.inner_text()
    empty.locator("a:has-text('see the plays up to that day')").click()
    page.wait_for_url("**/history?*until=2023-11-14*")
    assert page.locator("#listens :text('Jóga')").count() == 1
