"""A song played from the library past half its length shows up in History as a library listen."""

from tests.e2e.conftest import shot, sign_up


def test_a_library_song_played_to_half_is_in_history(new_page):
    page = new_page()
    sign_up(page, "library-listener@example.com", "Lia Library")
    page.goto("/library")
    button = page.locator(".card.song [data-play]").first
    title = button.get_attribute("data-title")
    reports = []
    page.on("response", lambda response: reports.append(response) if "/played/" in response.url else None)

    button.click()  # the demo songs last 6 s: the player reports once 4 s have played
    for _ in range(40):
        if reports:
            break
        page.wait_for_timeout(500)

    assert [report.status for report in reports] == [201]
    assert reports[0].request.method == "POST"
    assert "play=" in page.evaluate("document.getElementById('player-audio').src")
    page.goto("/history")
    row = page.locator("#listens li.listen").first
    row.wait_for()
    assert row.locator("strong.title").inner_text() == title
    assert row.locator(".badge.source-library").inner_text() == "MusicHub library"
    shot(page, "history-library-listen")
