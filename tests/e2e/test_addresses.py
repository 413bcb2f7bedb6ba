"""Issue 18 item 6: the address follows the page (a room after creating or joining it, an open
conversation, History's filters), so reloading or sharing it shows the same page."""

from urllib.parse import parse_qs, urlsplit

from sandbox.services import lastfm as lastfm_sandbox
from tests.e2e.conftest import connect_spotify, sign_up


def path_of(page) -> str:
    return urlsplit(page.url).path


def test_a_room_an_open_conversation_and_the_history_filters_have_their_address(new_page):
    host = new_page()
    sign_up(host, "addr-host@example.com", "Ada Address")
    connect_spotify(host)
    host.goto("/create")
    host.click("form.stack button[type=submit]")
    host.wait_for_selector("#room-code")
    code = host.text_content("#room-code").strip()
    assert path_of(host) == f"/room/{code}"
    host.reload()
    assert host.text_content("#room-code").strip() == code

    guest = new_page(width=390, height=844)
    guest.goto("/join")
    guest.fill("input[name=code]", code.lower())
    guest.click("form.stack button[type=submit]")
    guest.wait_for_selector("#room-code")
    assert path_of(guest) == f"/room/{code}"
    guest.reload()
    assert guest.text_content("#room-code").strip() == code

    friend = new_page()
    sign_up(friend, "addr-friend@example.com", "Fred Address")
    friend.goto("/messages")
    friend.fill("#people-search", "Ada")
    friend.click("#people a:has-text('Ada Address')")
    friend.wait_for_selector("#message-form")
    conversation = path_of(friend)
    assert conversation.startswith("/messages/"), conversation
    friend.reload()
    assert friend.text_content("#conversation h1").strip() == "Ada Address"


def test_the_history_filters_are_in_the_address(new_page):
    page = new_page()
    sign_up(page, "addr-history@example.com", "Hal History")
    page.goto("/connections")
    page.fill("#key-lastfm", lastfm_sandbox.VALID_API_KEY)
    page.fill("#uid-lastfm", lastfm_sandbox.DEMO_USER)
    page.click("#service-lastfm button[type=submit]:has-text('Save')")
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)

    page.goto("/history")
    page.click("nav.ranges a:has-text('90 days')")
    page.wait_for_function("() => location.search.includes('range=90')")
    page.fill("#f-artist", "Björk")
    page.click("form.filters button[type=submit]")
    page.wait_for_function("() => location.search.includes('artist=')")
    query = parse_qs(urlsplit(page.url).query)
    assert query["artist"] == ["Björk"]
    assert query["range"] == ["90"]
    page.reload()
    assert page.input_value("#f-artist") == "Björk"
    assert page.text_content("#charts-title").startswith("Last 90 days")
