"""Issue 18 item 11: every page passes axe-core with no serious or critical violation (on a desktop
and at 320 px wide), and works from the keyboard."""

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import connect_spotify, sign_in, sign_up

ANONYMOUS = ["/", "/signin", "/signup", "/join", "/password-reset"]
SIGNED_IN = [
    "/",
    "/library",
    "/history",
    "/stats",
    "/stats/year/2025",
    "/connections",
    "/messages",
    "/profile",
    "/create",
    "/join",
]


def serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url} {violation['id']} ({violation['impact']}): "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:4]
        )
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_every_page_passes_axe_on_a_desktop_and_at_320_px(new_page):
    problems: list[str] = []
    for width in (1280, 320):
        page = new_page(width=width, height=800)
        for path in ANONYMOUS:
            page.goto(path)
            problems += serious(page)
            if overflow(page) > 0:
                problems.append(f"{path} scrolls sideways at {width} px")
        sign_in(page)
        for path in SIGNED_IN:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            problems += serious(page)
            if overflow(page) > 0:
                problems.append(f"{path} scrolls sideways at {width} px")
    assert problems == [], "\n".join(problems)


def test_the_upload_zone_and_the_player_work_from_the_keyboard(new_page):
    page = new_page()
    sign_in(page)  # the demo account is an admin: it may upload
    page.goto("/library")
    page.focus("summary:has-text('Upload a song')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#dropzone", state="visible")  # the details opened
    # Enter on the zone opens the file chooser (the input's click, recorded here: headless Chromium
    # does not always raise its chooser event for a click made by a script).
    page.evaluate(
        """() => document.querySelector("#upload-form input[name=audio_file]").addEventListener(
            "click", (event) => { window.__chooserOpened = true; event.preventDefault(); })"""
    )
    page.focus("#dropzone")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__chooserOpened === true")
    page.set_input_files(
        "#upload-form input[name=audio_file]",
        files=[{"name": "keys.wav", "mimeType": "audio/wav", "buffer": b"RIFF"}],
    )
    assert "Ready: keys.wav" in page.text_content("#dropzone")

    page.focus(".card.song [data-play]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#player.playing")
    page.focus("#player-toggle")
    page.keyboard.press("Space")
    page.wait_for_selector("#player:not(.playing)")
    page.wait_for_function("() => document.getElementById('player-audio').duration > 0")
    page.focus("#player-seek")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.getElementById('player-audio').currentTime") > 0
    page.focus("#player-next")
    page.keyboard.press("Enter")
    page.wait_for_selector("#player.playing")


def test_the_room_a_conversation_and_an_album_pass_axe_and_the_room_works_from_the_keyboard(new_page):
    host = new_page()
    sign_up(host, "axe-host@example.com", "Axel Host")
    connect_spotify(host)
    host.goto("/create")
    host.click("form.stack button[type=submit]")
    host.wait_for_selector("#room-live:has-text('Live')")
    problems = serious(host)

    before = host.get_attribute("#room", "data-song-id")
    host.focus("#room-skip")
    host.keyboard.press("Enter")  # the host skips at once
    host.wait_for_function("before => document.getElementById('room').dataset.songId !== before", arg=before)

    host.goto("/messages")
    host.fill("#people-search", "Demo")
    host.click("#people a:has-text('Demo')")
    host.wait_for_selector("#message-form")
    problems += serious(host)

    phone = new_page(width=320, height=700)
    sign_in(phone)
    phone.goto("/library")
    phone.click(".grid .card a")
    phone.wait_for_url("**/album*/**")
    problems += serious(phone)
    if overflow(phone) > 0:
        problems.append(f"{phone.url} scrolls sideways at 320 px")
    assert problems == [], "\n".join(problems)
