"""The History page: filters, the infinite scroll's keyset pages, and SVG charts in the user's time zone."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from listening.importers import ListenRow
from listening.models import Listen
from listening.services import listens_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CHARTED_HISTORY_QUERIES = 19  # session, user, the page of rows, and the stats selectors for the charts


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listen(user, played_at, *, title="Song", artist="Nova Lane", source="lastfm", **fields) -> Listen:
    """Stored through the listening service, as every play is (it keeps the stats tables the charts read)."""
    row = ListenRow(
        title=title,
        artist=artist,
        album=fields.pop("album", ""),
        played_at=played_at,
        source=source,
        **fields,
    )
    listens_add(user=user, rows=[row])
    return Listen.objects.get(user=user, title=title, artist=artist, played_at=played_at)


def many(user, n: int, *, start=None) -> list[Listen]:
    start = start or timezone.now() - timedelta(hours=1)
    return [listen(user, start - timedelta(minutes=i), title=f"Track {i}") for i in range(n)]


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="listen" data-id="(\d+)"', html)]


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/history")

    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


def test_an_empty_history_says_to_connect_a_service(browser):
    html = browser.get("/history").content.decode()

    assert "No listening history yet — " in html
    assert 'href="/connections"' in html
    assert "charts-title" not in html  # no charts (the player's icons are SVG on every page)


def test_rows_show_art_title_artist_album_source_and_loved(browser, user, other_user):
    listen(
        user,
        timezone.now() - timedelta(hours=2),
        title="Midnight City",
        artist="M83",
        album="Hurry Up, We're Dreaming",
        source="spotify",
        album_thumbnail="https://i.scdn.co/image/abc",
        loved=True,
    )
    listen(other_user, timezone.now(), title="Not mine")

    html = browser.get("/history").content.decode()

    assert "Midnight City" in html
    assert "M83" in html
    assert "Hurry Up, We&#x27;re Dreaming" in html
    assert 'src="https://i.scdn.co/image/abc"' in html
    assert 'class="badge source-spotify">Spotify<' in html
    assert 'aria-label="Loved">♥<' in html
    assert "Not mine" not in html


def test_played_at_is_shown_in_the_users_time_zone(browser, user):
    listen(user, datetime(2024, 3, 10, 23, 30, tzinfo=UTC))
    browser.cookies["tz"] = "Asia/Tokyo"

    html = browser.get("/history").content.decode()

    assert "Mon 11 Mar 2024, 08:30" in html
    assert 'datetime="2024-03-11T08:30:00+09:00"' in html
    assert "Times in Asia/Tokyo" in html


def test_filters_by_source_artist_loved_and_dates(browser, user):
    now = timezone.now()
    listen(user, now - timedelta(days=1), title="A", artist="Nova Lane", source="spotify", loved=True)
    listen(user, now - timedelta(days=2), title="B", artist="Nova Lane", source="lastfm")
    listen(user, now - timedelta(days=9), title="C", artist="Other Band", source="lastfm", loved=True)

    def titles(query: str) -> set[str]:
        html = browser.get(f"/history?{query}").content.decode()
        return set(re.findall(r'<strong class="title">([^<]+)</strong>', html))

    assert titles("") == {"A", "B", "C"}
    assert titles("source=lastfm") == {"B", "C"}
    assert titles("artist=nova+lane") == {"A", "B"}
    assert titles("loved=true") == {"A", "C"}
    assert titles(f"since={(now - timedelta(days=5)).date()}") == {"A", "B"}
    assert titles(f"until={(now - timedelta(days=5)).date()}") == {"C"}
    assert titles("q=other") == {"C"}
    assert "No play matches these filters" in browser.get("/history?artist=nobody").content.decode()


def test_infinite_scroll_walks_every_row_once_with_a_keyset_cursor(browser, user):
    start = timezone.now() - timedelta(hours=1)
    rows = many(user, 100, start=start)
    rows += [listen(user, start, title=f"Same instant {i}") for i in range(20)]  # ties on played_at

    first = browser.get("/history").content.decode()
    seen = row_ids(first)
    assert len(seen) == 50
    sentinel = re.search(
        r'<li class="listen-more" hx-get="([^"]+)" hx-trigger="revealed" hx-swap="outerHTML"', first
    )
    assert sentinel
    next_url = sentinel.group(1).replace("&amp;", "&")
    assert "before=" in next_url
    assert "offset" not in next_url
    assert "page=" not in next_url
    pages = 1
    while next_url:
        part = browser.get("/history" + next_url, **HTMX).content.decode()
        assert "<h1>" not in part
        assert "<svg" not in part
        seen += row_ids(part)
        pages += 1
        found = re.search(r'hx-get="([^"]+)"', part)
        next_url = found.group(1).replace("&amp;", "&") if found else None

    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    expected = sorted(rows, key=lambda r: (r.played_at, r.pk), reverse=True)
    assert seen == [r.pk for r in expected]


def test_the_next_page_keeps_the_filters(browser, user):
    many(user, 60)
    listen(user, timezone.now() - timedelta(days=3), title="Elsewhere", source="spotify")

    first = browser.get("/history?source=lastfm").content.decode()
    next_url = re.search(r'class="listen-more" hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    part = browser.get("/history" + next_url, **HTMX).content.decode()

    assert "source=lastfm" in next_url
    assert len(row_ids(part)) == 10
    assert "Elsewhere" not in part


def test_charts_count_plays_per_day_top_artists_tracks_and_hours(browser, user):
    day = timezone.now().astimezone(UTC).date() - timedelta(days=3)
    at = datetime.combine(day, time(20, 0), tzinfo=UTC)
    for i in range(3):
        listen(user, at + timedelta(minutes=i), title=f"Hit {i % 2}", artist="Nova Lane")
    listen(user, at - timedelta(days=1), title="Other", artist="The Quiet Ones")
    listen(user, timezone.now() - timedelta(days=60), title="Old", artist="Long Gone")  # outside 30 days

    html = browser.get("/history").content.decode()

    assert "Last 30 days · 4 plays" in html
    assert f'data-day="{day.isoformat()}" data-count="3"' in html
    assert f'data-day="{(day - timedelta(days=1)).isoformat()}" data-count="1"' in html
    assert html.count("data-day=") == 30  # one bar per day
    artists = re.findall(r'<g class="chart-row" data-label="([^"]+)" data-count="(\d+)"', html)
    assert artists[0] == ("Nova Lane", "3")
    assert ("The Quiet Ones", "1") in artists
    assert ("Long Gone", "1") not in artists
    assert 'data-label="Hit 0" data-count="2"' in html  # top tracks
    clock = re.findall(r'<rect class="heat heat-\d" [^>]* data-key="(\d-\d+)" data-count="(\d+)"', html)
    assert len(clock) == 168  # weekday by hour
    assert (f"{day.weekday()}-20", "3") in clock
    assert (f"{(day - timedelta(days=1)).weekday()}-20", "1") in clock

    year = browser.get("/history?range=365").content.decode()
    assert "Last 365 days · 5 plays" in year
    assert "Long Gone" in year


def test_a_time_zone_cookie_moves_a_play_to_its_local_day_and_hour(browser, user):
    day = timezone.now().astimezone(UTC).date() - timedelta(days=3)
    listen(user, datetime.combine(day, time(20, 30), tzinfo=UTC))

    utc = browser.get("/history").content.decode()
    browser.cookies["tz"] = "Asia/Tokyo"  # UTC+9: 05:30 the next day
    tokyo = browser.get("/history").content.decode()

    assert f'data-day="{day.isoformat()}" data-count="1"' in utc
    assert f'data-key="{day.weekday()}-20" data-count="1"' in utc
    assert f'data-day="{(day + timedelta(days=1)).isoformat()}" data-count="1"' in tokyo
    assert f'data-day="{day.isoformat()}" data-count="0"' in tokyo
    assert f'data-key="{(day + timedelta(days=1)).weekday()}-5" data-count="1"' in tokyo


def test_a_bad_time_zone_cookie_falls_back_to_utc(browser, user):
    many(user, 1)
    for value in ("Mars/Olympus", "../../etc/passwd", ""):
        browser.cookies["tz"] = value
        html = browser.get("/history").content.decode()
        assert html.count("Times in UTC") == 1


def test_the_tz_script_sets_the_cookie_from_the_browser(browser, user):
    """app.js (no inline script: CSP) sets the cookie; the page says which zone it was drawn in."""
    many(user, 1)

    html = browser.get("/history").content.decode()
    script = b"".join(browser.get("/static/web/app.js").streaming_content).decode()

    assert 'data-drawn-tz="UTC"' in html
    assert "web/app.js" in html
    assert "document.cookie = `tz=${tz}" in script
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in script


def test_query_count_does_not_grow_with_rows(browser, user, django_assert_max_num_queries):
    """The list (a page of rows) and the charts (the stats selectors: each checks the tables' zone and
    the log of new plays, then reads the summary tables and the listens of the range's partial months):
    the same queries whatever the rows. The first stats read after new plays also folds that log into
    the tables (the stats' own tests count that), so each count is taken on the second load."""
    many(user, 3)
    browser.get("/history?source=lastfm")
    with django_assert_max_num_queries(CHARTED_HISTORY_QUERIES):
        browser.get("/history?source=lastfm")

    many(UserFactory(), 5)
    many(user, 200, start=timezone.now() - timedelta(days=2))
    browser.get("/history?source=lastfm")
    with django_assert_max_num_queries(CHARTED_HISTORY_QUERIES):
        html = browser.get("/history?source=lastfm").content.decode()
    assert len(row_ids(html)) == 50
    with django_assert_max_num_queries(3):
        browser.get("/history?before=" + row_ids_cursor(html), **HTMX)


def row_ids_cursor(html: str) -> str:
    return re.search(r"before=([^\"&]+)", html).group(1)


def test_each_play_once_hides_the_scrobble_of_a_spotify_play(browser, user):
    played = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    scrobble = listen(user, played, title="Headlights", source="lastfm")
    spotify = listen(user, played + timedelta(minutes=3), title="Headlights", source="spotify")

    both = row_ids(browser.get("/history").content.decode())
    once = row_ids(browser.get("/history?collapse=true").content.decode())

    assert set(both) == {scrobble.id, spotify.id}
    assert once == [spotify.id]


def test_the_charts_follow_the_source_and_each_play_once_only(browser, user):
    """The charts read the stats (sources, collapse); the artist, search, loved and date filters narrow
    the list, and the page says so."""
    now = timezone.now() - timedelta(hours=1)
    listen(user, now, title="A", artist="Nova Lane", source="spotify")
    listen(user, now - timedelta(minutes=5), title="B", artist="Other Band", source="lastfm")

    by_source = browser.get("/history?source=spotify").content.decode()
    by_artist = browser.get("/history?artist=Nova+Lane").content.decode()

    assert "Last 30 days · 1 play" in by_source
    assert "the other filters apply to the list" not in by_source
    assert "Last 30 days · 2 plays" in by_artist  # the charts: every artist
    assert "The charts follow the source and “Each play once” only" in by_artist
    assert 'href="/stats"' in by_artist


def test_a_bad_source_names_it_without_a_500(browser, user):
    many(user, 1)

    response = browser.get("/history?source=myspace")

    assert response.status_code == 200  # the list's filter form shows its own error
    assert 'id="chart-errors"' in response.content.decode()
    assert "source: " in response.content.decode()
