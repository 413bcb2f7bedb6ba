"""The Stats page: the range picker, custom dates, sources and "each play once", the top lists, the
summary, the weekday-by-hour grid, the day calendar and the activity curve, all from the stats selectors."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from listening.importers import ListenRow
from listening.services import listens_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def play(
    user, at: datetime, *, title="Song", artist="Nova Lane", album="", source="lastfm", ms=180_000
) -> None:
    listens_add(
        user=user,
        rows=[
            ListenRow(title=title, artist=artist, album=album, played_at=at, source=source, duration_ms=ms)
        ],
    )


def march(user) -> None:
    """Six plays in March 2025 (UTC, the user's zone while none is chosen) and one in April."""
    for i in range(3):
        play(user, datetime(2025, 3, 3, 20, i, tzinfo=UTC), title=f"Hit {i % 2}", album="Glow")  # a Monday
    play(
        user,
        datetime(2025, 3, 4, 8, 0, tzinfo=UTC),
        title="Morning",
        artist="The Quiet Ones",
        source="spotify",
    )
    play(
        user,
        datetime(2025, 3, 5, 8, 0, tzinfo=UTC),
        title="Morning",
        artist="The Quiet Ones",
        source="spotify",
    )
    play(user, datetime(2025, 3, 20, 23, 0, tzinfo=UTC), title="Late", artist="Owl City", ms=3_600_000)
    play(user, datetime(2025, 4, 2, 12, 0, tzinfo=UTC), title="April", artist="Spring Band")


MARCH = "/stats?from=2025-03-01&to=2025-03-31"


def page(browser, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def ranked(html: str, kind: str) -> list[str]:
    figure = re.search(rf'<figure id="top-{kind}">(.*?)</figure>', html, re.S).group(1)
    return re.findall(r'<g class="chart-row" data-label="([^"]+)"', figure)


def test_signed_out_goes_to_sign_in(client):
    for url in ("/stats", MARCH, "/stats/year/2025"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin")


def test_the_nav_links_the_stats_page_beside_history(browser):
    html = page(browser, "/stats")
    assert re.search(
        r'href="/history"[^>]*>History</a>\s*<a href="/stats" aria-current="page">Stats</a>', html
    )


def test_custom_dates_show_the_summary_tops_and_charts_of_that_range(browser, user):
    march(user)

    html = page(browser, MARCH)

    assert "01 Mar 2025 to 31 Mar 2025" in html
    assert 'data-stat="plays">6 plays<' in html
    assert 'data-stat="time">1 h 15 min<' in html  # 5 plays of 3 min, and 1 h
    assert 'data-stat="artists">3<' in html
    assert 'data-stat="tracks">4<' in html
    assert 'data-stat="albums">1<' in html
    assert "3 days" in re.search(r'data-stat="longest-streak">(.*?)</dd>', html, re.S).group(1)
    assert "Mon 3 Mar 2025 · 3 plays" in html  # the busiest day
    assert ranked(html, "artists") == ["Nova Lane", "The Quiet Ones", "Owl City"]
    assert ranked(html, "tracks")[0] == "Hit 0"
    assert ranked(html, "albums") == ["Glow"]
    assert "Spring Band" not in html  # April
    # The clock grid: 168 cells, Monday 20:00 has the three plays.
    clock = re.search(r'<figure[^>]*id="clock"[^>]*>(.*?)</figure>', html, re.S).group(1)
    assert clock.count("<rect") == 168
    assert 'data-key="0-20" data-count="3"><title>Mon 20:00: 3 plays</title>' in clock
    # The calendar: one square per day of March; the curve: day buckets for a month.
    calendar = re.search(r'<figure[^>]*id="calendar"[^>]*>(.*?)</figure>', html, re.S).group(1)
    assert calendar.count("data-day=") == 31
    assert 'data-day="2025-03-03" data-count="3"' in calendar
    assert "Plays per day" in html
    assert 'data-key="2025-03-20" data-count="1"' in html
    assert 'href="/stats/year/2025"' in html


def test_by_time_ranks_by_listening_time(browser, user):
    march(user)

    html = page(browser, MARCH + "&by=time")

    assert ranked(html, "artists")[0] == "Owl City"  # 1 h against 9 min
    assert "1 h 00 min · 80.0%" in html
    assert 'href="?from=2025-03-01&amp;to=2025-03-31&amp;by=plays"' in html


def test_sources_and_each_play_once_are_kept_and_applied(browser, user):
    march(user)

    spotify = page(browser, MARCH + "&source=spotify")
    assert 'data-stat="plays">2 plays<' in spotify
    assert ranked(spotify, "artists") == ["The Quiet Ones"]
    assert re.search(r'value="spotify" checked', spotify)
    assert not re.search(r'value="lastfm" checked', spotify)

    played = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # one play, seen by Last.fm and Spotify
    play(user, played, title="Headlights", artist="Robyn")
    play(user, played + timedelta(minutes=3), title="Headlights", artist="Robyn", source="spotify")
    assert 'data-stat="plays">8 plays<' in page(browser, MARCH)
    once = page(browser, MARCH + "&collapse=true")
    assert 'data-stat="plays">7 plays<' in once
    assert 'name="collapse" value="true" checked' in once


def test_the_range_picker_links_and_previous_periods(browser, user):
    html = page(browser, "/stats?range=week&source=lastfm")

    links = dict(
        re.findall(r'<a href="\?([^"]+)"[^>]*>(Today|This week|This month|This year|All time)</a>', html)
    )
    assert links == {
        "range=today&amp;source=lastfm": "Today",
        "range=week&amp;source=lastfm": "This week",
        "range=month&amp;source=lastfm": "This month",
        "range=year&amp;source=lastfm": "This year",
        "range=all_time&amp;source=lastfm": "All time",
    }
    assert '<a href="?range=week&amp;source=lastfm" aria-current="true">This week</a>' in html
    assert '<a href="?range=week&amp;source=lastfm&amp;offset=-1" rel="prev">← Previous week</a>' in html
    assert 'rel="next"' not in html

    before = page(browser, "/stats?range=month&offset=-2")
    assert 'href="?range=month&amp;offset=-3" rel="prev"' in before
    assert 'href="?range=month&amp;offset=-1" rel="next"' in before
    month = (timezone.now().date().replace(day=1) - timedelta(days=40)).replace(day=1)
    assert f"{month:%B %Y}" in before

    # Custom dates: every range link drops them, and the date inputs keep them.
    custom = page(browser, MARCH)
    assert '<a href="?range=year">This year</a>' in custom
    assert 'name="from" value="2025-03-01"' in custom
    assert 'name="to" value="2025-03-31"' in custom


def test_the_default_range_is_this_month_and_all_time_shows_the_last_365_days(browser, user):
    play(user, timezone.now() - timedelta(minutes=5), title="Now")
    play(user, timezone.now() - timedelta(days=800), title="Long ago", artist="Old Band")

    month = page(browser, "/stats")
    assert 'aria-current="true">This month<' in month
    assert 'data-stat="plays">1 play<' in month

    every = page(browser, "/stats?range=all_time")
    assert 'data-stat="plays">2 plays<' in every
    assert "Old Band" in every
    calendar = re.search(r'<figure[^>]*id="calendar"[^>]*>(.*?)</figure>', every, re.S).group(1)
    assert calendar.count("data-day=") == 365
    assert "Plays per month" in every  # a history of two years and more: month buckets


def test_a_range_without_plays_says_so(browser, user):
    html = page(browser, "/stats?from=2001-01-01&to=2001-01-31")
    assert 'id="stats-empty"' in html
    assert 'id="clock"' not in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13-01&to=2025-03-31", "from"),
        ("from=2025-03-01&to=not-a-date", "to"),
        ("from=2025-03-31&to=2025-03-01", "from"),
        ("to=2025-03-31", "from"),
        ("range=decade", "range"),
        ("range=week&offset=abc", "offset"),
        ("range=week&offset=1", "offset"),
        ("range=all_time&offset=-1", "offset"),
        ("range=week&source=myspace", "source"),
        ("range=week&by=loudness", "by"),
    ],
)
def test_a_bad_parameter_is_a_400_page_naming_it(browser, user, query, field):
    march(user)

    html = page(browser, f"/stats?{query}", status=400)

    errors = re.search(r'<div class="empty errorlist" role="alert" id="stats-errors">(.*?)</div>', html, re.S)
    assert errors, html[:3000]
    assert f"{field}: " in errors.group(1)
    assert "Nova Lane" not in html
    assert '<nav class="ranges" aria-label="Range">' in html  # the picker stays, to get out


def test_another_users_plays_never_show(browser, user):
    march(user)
    stranger = UserFactory()
    play(stranger, datetime(2025, 3, 3, 20, 30, tzinfo=UTC), title="Secret", artist="Hidden Artist")

    html = page(browser, MARCH + "&range=all_time")
    every = page(browser, "/stats?range=all_time")

    assert "Hidden Artist" not in html + every
    assert "Secret" not in html + every
    assert 'data-stat="plays">6 plays<' in html


def test_a_name_with_markup_is_escaped(browser, user):
    play(
        user, datetime(2025, 3, 3, 20, 0, tzinfo=UTC), title="<b>x</b>", artist='<script>alert("x")</script>'
    )

    html = page(browser, MARCH)

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_times_are_drawn_in_the_profile_zone(browser, user):
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    play(user, datetime(2025, 3, 3, 20, 30, tzinfo=UTC))  # Tuesday 05:30 in Tokyo

    html = page(browser, "/stats?from=2025-03-01&to=2025-03-31")

    assert "Times in Asia/Tokyo" in html
    assert 'data-key="1-5" data-count="1"' in html
    assert 'data-day="2025-03-04" data-count="1"' in html
    assert 'datetime="2025-03-04T05:30:00+09:00"' in html


def test_the_page_works_on_postgresql_and_sqlite_for_a_long_custom_range(browser, user):
    """Ranges past a quarter use week buckets, past two years month buckets."""
    play(user, datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    weeks = page(browser, "/stats?from=2024-01-01&to=2024-12-31")
    months = page(browser, "/stats?from=2020-01-01&to=2024-12-31")
    assert "Plays per week" in weeks
    assert 'data-key="2024-05-27" data-count="1"' in weeks  # the Monday of that week
    assert "Plays per month" in months
    assert 'data-key="2024-06" data-count="1"' in months
    assert date(2024, 6, 1).isoformat() in months  # the calendar: the range's last 365 days


def test_empty_parameters_are_the_defaults(browser, user):
    march(user)

    html = page(browser, "/stats?range=&offset=&by=&source=&collapse=&from=&to=")

    assert 'aria-current="true">This month<' in html
    assert "stats-errors" not in html
    assert 'aria-current="true">By plays<' in page(browser, MARCH + "&by=")


def test_by_time_without_track_lengths_says_so(browser, user):
    play(user, datetime(2025, 3, 3, 20, 0, tzinfo=UTC), ms=0)

    assert 'id="no-lengths"' in page(browser, MARCH + "&by=time")
    assert 'id="no-lengths"' not in page(browser, MARCH)
    assert "unknown (no track lengths)" in page(browser, MARCH)
