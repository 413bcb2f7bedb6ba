"""`GET /music/get-stored-songs/`: newest first, cursor pages, filters, isolation, fixed query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from listening.importers import ListenRow
from listening.store import listens_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/music/get-stored-songs/"
START = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def row(n: int, **overrides) -> ListenRow:
    values = {
        "title": f"Song {n}",
        "artist": ["Nova Lane", "Björk", "Sigur Rós"][n % 3],
        "album": f"Album {n % 4}",
        "played_at": START + timedelta(minutes=n),
        "source": "lastfm" if n % 2 else "spotify",
        "loved": n % 5 == 0,
    }
    values.update(overrides)
    return ListenRow(**values)


def store(user, rows) -> int:
    with transaction.atomic():
        return listens_store(user_id=user.pk, rows=rows)


def test_the_seed_shape_newest_first(auth_client, user):
    store(user, [row(n) for n in range(3)])

    body = auth_client.get(URL).json()

    assert [item["title"] for item in body["results"]] == ["Song 2", "Song 1", "Song 0"]
    assert set(body["results"][0]) == {
        "id",
        "title",
        "artist",
        "album",
        "played_at",
        "album_thumbnail",
        "track_url",
        "artists_url",
        "duration_ms",
        "source",
        "artist_lastfm_url",
        "track_mbid",
        "artist_mbid",
        "album_mbid",
        "loved",
        "streamable",
        "album_thumbnail_small",
        "album_thumbnail_medium",
        "album_thumbnail_large",
        "album_thumbnail_extralarge",
    }
    assert body["results"][0]["played_at"] == "2024-01-15T12:02:00Z"


@pytest.mark.parametrize(("source", "expected"), [("spotify", 3), ("lastfm", 2), ("", 5)])
def test_source_filter(auth_client, user, source, expected):
    store(user, [row(n) for n in range(5)])

    body = auth_client.get(f"{URL}?source={source}").json()

    assert len(body["results"]) == expected
    assert all(item["source"] == source for item in body["results"]) or not source


def test_an_unknown_source_is_a_400(auth_client):
    response = auth_client.get(f"{URL}?source=napster")

    assert response.status_code == 400
    assert "source" in response.json()


def test_filters_artist_album_text_dates_and_loved(auth_client, user):
    store(user, [row(n) for n in range(30)])

    def titles(query: str) -> set[str]:
        return {item["title"] for item in auth_client.get(f"{URL}?{query}").json()["results"]}

    assert titles("artist=bj%C3%B6rk") == {f"Song {n}" for n in range(30) if n % 3 == 1}
    assert titles("album=Album 2") == {f"Song {n}" for n in range(30) if n % 4 == 2}
    assert titles("q=song 1") == {"Song 1", *{f"Song {n}" for n in range(10, 20)}}
    assert titles("since=2024-01-15T12:25:00Z") == {f"Song {n}" for n in range(25, 30)}
    assert titles("until=2024-01-15T12:02:00Z") == {"Song 0", "Song 1", "Song 2"}
    assert titles("loved=true") == {f"Song {n}" for n in range(30) if n % 5 == 0}
    assert auth_client.get(f"{URL}?since=yesterday").status_code == 400


def test_cursor_pages_walk_everything_once(auth_client, user):
    store(user, [row(n) for n in range(120)])

    seen: list[int] = []
    url = URL
    while url:
        body = auth_client.get(url).json()
        seen.extend(item["id"] for item in body["results"])
        url = body["next"]

    assert len(seen) == 120
    assert len(set(seen)) == 120


def test_only_my_listens(auth_client, user):
    store(user, [row(1)])
    store(UserFactory(), [row(n) for n in range(10)])

    assert len(auth_client.get(URL).json()["results"]) == 1


def test_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("count", [5, 200])
def test_query_count_does_not_grow_with_rows(auth_client, user, count, django_assert_max_num_queries):
    store(user, [row(n) for n in range(count)])

    with django_assert_max_num_queries(3):
        auth_client.get(f"{URL}?page_size=200")


def test_storing_a_page_is_a_fixed_number_of_queries(user):
    """One INSERT … ON CONFLICT (PostgreSQL tells new rows with RETURNING; SQLite needs one SELECT), then
    the stats: the user's StatsZone row locked and one upsert per summary table; whatever the size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size, offset in ((10, 0), (200, 1000)):
        with CaptureQueriesContext(connection) as queries:
            listens_store(user_id=user.pk, rows=[row(offset + n) for n in range(size)])
        counts.append(len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1] <= 6


def test_a_reimport_updates_what_can_change_and_keeps_known_mbids(user):
    store(user, [row(1, track_mbid="abc", loved=False, album_thumbnail_small=None)])

    new = store(user, [row(1, track_mbid=None, loved=True, album_thumbnail_small="https://img/34s.jpg")])

    from listening.models import Listen

    listen = Listen.objects.get(user=user)
    assert new == 0
    assert listen.track_mbid == "abc"
    assert listen.loved is True
    assert listen.album_thumbnail_small == "https://img/34s.jpg"


def test_an_empty_mbid_is_filled_in_later(user):
    store(user, [row(1, artist_mbid=None)])
    store(user, [row(1, artist_mbid="0b1c2d3e-0000-4000-8000-000000000001")])

    from listening.models import Listen

    assert Listen.objects.get(user=user).artist_mbid == "0b1c2d3e-0000-4000-8000-000000000001"


def test_collapse_shows_a_play_both_sources_saw_once(auth_client, user):
    start = START
    store(
        user,
        [
            row(1, title="Headlights", artist="Nova Lane", source="lastfm", played_at=start),
            row(
                2,
                title="headlights",
                artist="NOVA LANE",
                source="spotify",
                played_at=start + timedelta(minutes=3),
            ),
            row(
                3,
                title="Headlights",
                artist="Nova Lane",
                source="lastfm",
                played_at=start + timedelta(hours=2),
            ),
            row(
                4, title="Other", artist="Nova Lane", source="lastfm", played_at=start + timedelta(minutes=1)
            ),
        ],
    )

    everything = auth_client.get(URL).json()["results"]
    collapsed = auth_client.get(f"{URL}?collapse=true").json()["results"]

    assert len(everything) == 4
    assert sorted((item["source"], item["played_at"]) for item in collapsed) == [
        ("lastfm", "2024-01-15T12:01:00Z"),
        ("lastfm", "2024-01-15T14:00:00Z"),
        ("spotify", "2024-01-15T12:03:00Z"),
    ]
