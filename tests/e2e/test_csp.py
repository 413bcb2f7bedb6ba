"""Every main page works in Chromium under the Content-Security-Policy, with no violation and no error.

Signed out, then as the demo admin: each page by a full load and by htmx navigation, the player, the
History page's zone cookie and its own stylesheet, Connect Spotify (a form redirected to Spotify's
sign-in), a live room (its WebSocket), the admin and the API docs (Swagger UI draws the operations).
"""

from tests.e2e.conftest import sign_in


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy, path
    assert "camera=()" in (response.header_value("permissions-policy") or ""), path
    page.wait_for_load_state("networkidle")


def test_the_main_pages_run_under_the_policy_without_a_violation(new_page):
    page = new_page()
    for path in ("/signin", "/signup", "/join"):
        visit(page, path)

    sign_in(page)
    for path in ("/", "/library", "/history", "/connections", "/messages", "/create", "/profile"):
        visit(page, path)

    # htmx navigation swaps <main>: the page's own stylesheet comes along, its script runs.
    page.goto("/")
    page.click("#nav a:has-text('History')")
    page.wait_for_url("**/history")
    page.wait_for_selector("[data-drawn-tz]")
    assert page.get_attribute("[data-drawn-tz]", "data-drawn-tz") == "Europe/Paris"  # the demo's profile zone
    assert any(cookie["name"] == "tz" for cookie in page.context.cookies())

    page.click("#nav a:has-text('Connections')")
    page.wait_for_url("**/connections")
    page.wait_for_function("() => getComputedStyle(document.querySelector('.services')).display === 'grid'")

    # The player: a song plays (media-src), from a click handled by our script.
    page.click("#nav a:has-text('Library')")
    page.wait_for_url("**/library")
    page.click("[data-play] >> nth=0")
    page.wait_for_function("() => !document.getElementById('player-audio').paused")

    # Connect Spotify posts a form that is redirected to Spotify's sign-in (form-action).
    page.goto("/connections")
    page.click("#service-spotify button:has-text('Connect Spotify')")
    page.wait_for_selector("text=Agree")
    page.click("button:has-text('Agree')")
    page.wait_for_url("**/connections?spotify=connected")

    # A room is live over its WebSocket (connect-src 'self').
    page.goto("/create")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/room/*")
    page.wait_for_selector("#room-live:has-text('Live')")

    # The admin, and the API docs (Swagger UI's script comes from a URL, its style has the nonce).
    for path in ("/admin/", "/admin/users/user/", "/admin/listening/syncjob/", "/admin/musics/song/add/"):
        visit(page, path)
    visit(page, "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)

    problems = new_page.problems
    assert problems.violations == []
    assert problems.page_errors == []
    assert problems.console_errors == []
