"""Issue 18 items 3 and 4: covers show offline (the sandbox serves its own artwork) and every picture
has a drawn fallback; the player's icons are inline SVG, and its seek bar stays wide on a phone."""

from sandbox.services import lastfm as lastfm_sandbox
from tests.e2e.conftest import shot, sign_in, sign_up

BROKEN = """() => Array.from(document.images)
    .filter((img) => img.getAttribute("src") && img.complete && !img.naturalWidth && img.offsetParent)
    .map((img) => img.src)"""


def test_covers_come_from_the_sandbox_and_a_missing_one_is_drawn(new_page, e2e_server):
    page = new_page()
    sign_up(page, "covers@example.com", "Cora Covers")
    page.goto("/connections")
    page.fill("#key-lastfm", lastfm_sandbox.VALID_API_KEY)
    page.fill("#uid-lastfm", lastfm_sandbox.SINGLE_SCROBBLE_USER)  # one play: Björk's Jóga, with a cover
    page.click("#service-lastfm button[type=submit]:has-text('Save')")
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)

    page.goto("/history")
    cover = page.locator("#listens img.art").first
    cover.wait_for()
    sandbox_url = e2e_server.env["LASTFM_API_URL"].split("/lastfm/")[0]
    assert cover.get_attribute("src").startswith(f"{sandbox_url}/art/")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=cover.element_handle())
    assert "art-fallback" not in (cover.get_attribute("class") or "")

    page.route("**/art/**", lambda route: route.abort("internetdisconnected"))  # the covers are gone
    page.reload()
    cover = page.locator("#listens img.art").first
    page.wait_for_function(
        "img => img.classList.contains('art-fallback') && img.naturalWidth > 0", arg=cover.element_handle()
    )
    assert page.evaluate(BROKEN) == []


def test_the_player_draws_its_icons_and_a_wide_seek_bar_on_a_phone(new_page):
    page = new_page(width=390, height=844)
    sign_in(page)
    page.goto("/library")
    page.locator(".card.song [data-play]").first.click()
    page.wait_for_selector("#player:not([hidden])")
    page.wait_for_selector("#player.playing")

    assert page.get_attribute("#player-toggle", "aria-label") == "Pause"
    for selector in ("#player-toggle .icon-pause", "#player-next .icon"):
        box = page.locator(selector).bounding_box()
        assert box, selector
        assert box["width"] >= 12, selector
    assert not page.locator("#player-toggle .icon-play").is_visible()
    assert page.text_content("#player-toggle").strip() == ""  # no font glyph left
    seek = page.locator("#player-seek").bounding_box()
    assert seek["width"] >= 200, seek
    art = page.locator("#player-art")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=art.element_handle())
    assert page.evaluate(BROKEN) == []
    shot(page, "player-phone")

    page.click("#player-toggle")
    page.wait_for_selector("#player:not(.playing)")
    assert page.get_attribute("#player-toggle", "aria-label") == "Play"
    assert page.locator("#player-toggle .icon-play").is_visible()


def test_titles_are_not_cut_while_there_is_room(new_page):
    """Issue 18 item 10: "Midnight Sessions" on a phone's album card wraps, it is not cut."""
    page = new_page(width=390, height=844)
    sign_in(page)
    page.goto("/library")
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll(".card .title"))
            .filter((title) => title.scrollWidth > title.clientWidth + 1
                || title.scrollHeight > title.clientHeight + 1)
            .map((title) => title.textContent.trim())"""
    )
    assert cut == []
