"""A user imports their Last.fm history, then reads it on the Stats page (range picker, custom dates,
a bad date), opens the year in review and downloads its picture; both pages pass axe on a desktop
and at 320 px wide."""

from datetime import UTC, datetime

from sandbox.services import lastfm as lastfm_sandbox
from tests.e2e.conftest import SCREENSHOTS, shot, sign_up
from tests.e2e.test_accessibility import overflow, serious

EMAIL, PASSWORD = "stats@example.com", "a-Long-passphrase-9"


def _import_demo_history(page) -> None:
    """The sandbox's `demo` Last.fm user: about a year of plays, the newest a few minutes ago."""
    page.goto("/connections")
    page.fill("#key-lastfm", lastfm_sandbox.VALID_API_KEY)
    page.fill("#uid-lastfm", lastfm_sandbox.DEMO_USER)
    page.click("#service-lastfm button[type=submit]:has-text('Save')")
    page.wait_for_function(
        "() => document.querySelector('#service-lastfm').innerText.toLowerCase().includes('connected')"
    )
    page.click("button:has-text('Import my whole Last.fm history')")
    page.wait_for_selector(".job[data-status=done]", timeout=60000)


def test_stats_page_year_in_review_and_its_picture(new_page):
    page = new_page()
    sign_up(page, EMAIL, "Stella Stats", PASSWORD)
    _import_demo_history(page)
    year = datetime.now(UTC).year  # the new user's zone is the browser's (UTC here)

    page.click("#nav a:has-text('Stats')")
    page.wait_for_url("**/stats")
    page.click("nav[aria-label=Range] a:has-text('All time')")
    page.wait_for_url("**/stats?range=all_time")
    page.wait_for_selector("#summary")
    assert int(page.text_content("[data-stat=plays]").split()[0].replace(",", "")) > 100
    assert page.locator("#top-artists svg .chart-row").count() == 10
    assert page.locator("#clock svg rect").count() == 168
    assert page.locator("#calendar svg rect").count() == 365
    assert page.locator("#curve svg .curve-hit").count() > 1
    page.hover("#clock svg rect[data-count]:not([data-count='0'])")
    shot(page, "stats")
    problems = serious(page)

    page.click("nav[aria-label=Range] a:has-text('This month')")
    page.wait_for_url("**/stats?range=month")
    page.click("a[rel=prev]")
    page.wait_for_url("**/stats?range=month&offset=-1")
    page.reload()  # the URL keeps every choice
    assert page.locator("nav[aria-label=Range] a[aria-current=true]").count() == 0
    assert page.locator("a[rel=next]").count() == 1

    page.fill("#s-from", f"{year}-01-01")
    page.fill("#s-to", f"{year}-12-31")
    page.check("input[name=collapse]")
    page.click(".stats-filters button[type=submit]")
    page.wait_for_url(f"**/stats?from={year}-01-01&to={year}-12-31*collapse=true*")
    assert f"01 Jan {year} to 31 Dec {year}" in page.text_content("#stats-range")
    assert page.locator("input[name=collapse]").is_checked()

    bad = page.goto("/stats?from=2025-02-30&to=2025-03-01")
    assert bad.status == 400
    assert "from: " in page.text_content("#stats-errors")

    page.goto("/stats?range=year")
    page.click(f"a:has-text('Your {year} in review')")
    page.wait_for_url(f"**/stats/year/{year}")
    page.wait_for_function(
        "() => { const img = document.querySelector('.year-image');"
        " return img.complete && img.naturalWidth === 1200; }"
    )
    assert page.locator("#artist-of-month li").count() == 12
    top_artist = page.get_attribute("#top-artists .chart-row", "data-label")
    shot(page, "stats-year")
    problems += serious(page)

    png = page.request.get(page.get_attribute("#download-png", "href"))
    assert png.status == 200
    assert png.body().startswith(b"\x89PNG\r\n\x1a\n")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "stats-year-image.png").write_bytes(png.body())
    svg = page.request.get(f"/stats/year/{year}.svg")
    assert top_artist in svg.text()

    phone = new_page(width=320, height=700)
    phone.goto("/signin")
    phone.fill("input[name=username]", EMAIL)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form.stack button[type=submit]")
    phone.wait_for_url("**/")
    for path in ("/stats?range=all_time", f"/stats/year/{year}"):
        phone.goto(path)
        phone.wait_for_selector("#summary")
        problems += serious(phone)
        if overflow(phone) > 0:
            problems.append(f"{path} scrolls sideways at 320 px")
    phone.goto("/stats?range=all_time")
    shot(phone, "stats-phone")
    assert problems == [], "\n".join(problems)
