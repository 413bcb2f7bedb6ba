"""/music/stats/…: shapes, ranges in the user's zone across DST, bad input, ownership, the tables'
upkeep (zone changes, deletes, the rebuild command)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from listening.importers import ListenRow
from listening.models import Listen, StatsItem, StatsZone
from listening.selectors import top_artists
from listening.stats.tally import stats_fold, stats_rebuild
from listening.store import listens_store
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def play(
    title: str, artist: str, at: datetime, *, source: str = "spotify", album: str = "", ms: int = 200_000
):
    return ListenRow(title=title, artist=artist, album=album, played_at=at, source=source, duration_ms=ms)


@pytest.fixture
def paris_user():
    return UserFactory(time_zone="Europe/Paris")


@pytest.fixture
def client(paris_user):
    return client_for(paris_user, "token")


def test_top_lists_artists_tracks_and_albums_with_shares(paris_user, client):
    at = datetime(2025, 5, 10, 12, tzinfo=UTC)
    listens_store(
        user_id=paris_user.pk,
        rows=[
            play("One", "Alpha", at, album="First"),
            play("One", "Alpha", at + timedelta(hours=1), album="First"),
            play("Two", "Beta", at + timedelta(hours=2), ms=100_000),
        ],
    )

    artists = client.get("/music/stats/top/", {"from": "2025-05-01", "to": "2025-05-31"}).json()
    tracks = client.get("/music/stats/top/", {"kind": "tracks", "range": "all_time"}).json()
    albums = client.get("/music/stats/top/", {"kind": "albums", "by": "time"}).json()

    assert artists == [
        {"name": "Alpha", "plays": 2, "ms": 400_000, "share": pytest.approx(2 / 3, abs=1e-6)},
        {"name": "Beta", "plays": 1, "ms": 100_000, "share": pytest.approx(1 / 3, abs=1e-6)},
    ]
    assert tracks[0] == {
        "name": "One",
        "artist": "Alpha",
        "plays": 2,
        "ms": 400_000,
        "share": pytest.approx(2 / 3),
    }
    assert albums == [
        {"name": "First", "artist": "Alpha", "plays": 2, "ms": 400_000, "share": pytest.approx(0.8)}
    ]


def test_a_day_when_clocks_go_back_has_25_hours_and_counts_0230_twice_once_each(paris_user, client):
    # 26 October 2025: Paris goes from 03:00 CEST back to 02:00 CET, so 02:30 happens twice.
    first_0230 = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 +02:00
    second_0230 = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 +01:00
    listens_store(user_id=paris_user.pk, rows=[play("A", "X", first_0230), play("B", "X", second_0230)])

    hours = client.get("/music/stats/activity/", {"bucket": "hour", "from": "2025-10-26", "to": "2025-10-26"})
    days = client.get("/music/stats/activity/", {"bucket": "day", "from": "2025-10-25", "to": "2025-10-27"})

    buckets = hours.json()["buckets"]
    assert len(buckets) == 25
    plays = {row["key"]: row["plays"] for row in buckets if row["plays"]}
    assert plays == {"2025-10-26T02:00:00+02:00": 1, "2025-10-26T02:00:00+01:00": 1}
    assert [row["plays"] for row in days.json()["buckets"]] == [0, 2, 0]


def test_a_day_when_clocks_go_forward_has_23_hours(paris_user, client):
    response = client.get(
        "/music/stats/activity/", {"bucket": "hour", "from": "2025-03-30", "to": "2025-03-30"}
    )

    assert len(response.json()["buckets"]) == 23


def test_ranges_are_calendar_periods_in_the_users_zone(paris_user, client, fake_clock, settings):
    # 23:30 UTC on 31 December is already 1 January in Paris.
    listens_store(user_id=paris_user.pk, rows=[play("A", "X", datetime(2025, 12, 31, 23, 30, tzinfo=UTC))])

    in_paris = client.get("/music/stats/summary/", {"from": "2026-01-01", "to": "2026-01-01"}).json()
    in_utc = client.get(
        "/music/stats/summary/", {"from": "2026-01-01", "to": "2026-01-01", "tz": "UTC"}
    ).json()

    assert in_paris["plays"] == 1
    assert in_paris["range"]["time_zone"] == "Europe/Paris"
    assert in_utc["plays"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "genres"}, "kind"),
        ({"by": "loudness"}, "by"),
        ({"limit": "0"}, "limit"),
        ({"from": "2025-05-02", "to": "2025-05-01"}, "from"),
        ({"from": "1900-01-01", "to": "2025-01-01"}, "from"),
        ({"from": "not-a-date"}, "from"),
        ({"tz": "Mars/Olympus_Mons"}, "tz"),
        ({"source": "myspace"}, "source"),
        ({"range": "decade"}, "range"),
        ({"range": "all_time", "offset": "-1"}, "offset"),
        ({"range": "week", "from": "2025-01-01"}, "range"),
        ({"range": "year", "offset": "-99999"}, "offset"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, params, field):
    response = client.get("/music/stats/top/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_an_hour_bucket_over_a_long_range_is_refused(client):
    response = client.get("/music/stats/activity/", {"bucket": "hour", "range": "year"})

    assert response.status_code == 400
    assert "bucket" in response.json()


def test_a_year_in_review(paris_user, client):
    rows = [
        play(f"T{n}", "Alpha" if n % 3 else "Beta", datetime(2025, 1 + n % 12, 3, 20, tzinfo=UTC))
        for n in range(36)
    ]
    listens_store(user_id=paris_user.pk, rows=rows)

    review = client.get("/music/stats/year/2025/").json()

    assert review["summary"]["plays"] == 36
    assert review["top_artists"][0]["name"] == "Alpha"
    assert [row["plays"] for row in review["months"]] == [3] * 12
    assert [row["month"] for row in review["artist_of_month"]][:2] == ["2025-01", "2025-02"]
    # January's plays are n = 0, 12, 24 (all Beta's); February's 1, 13, 25 (Alpha's)
    assert [row["name"] for row in review["artist_of_month"][:2]] == ["Beta", "Alpha"]
    assert client.get("/music/stats/year/99999/").status_code == 400


def test_summary_streaks_busiest_day_and_new_artists(paris_user, client):
    days = [datetime(2025, 3, day, 12, tzinfo=UTC) for day in (1, 2, 3, 7, 8)]
    rows = [play("A", "Old", datetime(2024, 1, 1, 12, tzinfo=UTC))]
    rows += [play(f"S{n}", "Old" if n else "New", at) for n, at in enumerate(days)]
    rows += [play("Extra", "Old", days[3] + timedelta(hours=1))]
    listens_store(user_id=paris_user.pk, rows=rows)

    summary = client.get("/music/stats/summary/", {"from": "2025-03-01", "to": "2025-03-31"}).json()

    assert summary["plays"] == 6
    assert summary["longest_streak"] == {"first": "2025-03-01", "last": "2025-03-03", "days": 3}
    assert summary["busiest_day"] == {"day": "2025-03-07", "plays": 2}
    assert summary["new_artists"] == 1  # "New"; "Old" was first played in 2024
    assert summary["artists"] == 2


def test_another_users_listens_never_count(paris_user, client):
    other = UserFactory()
    listens_store(user_id=other.pk, rows=[play("A", "Secret", datetime(2025, 5, 1, tzinfo=UTC))])

    assert client.get("/music/stats/top/").json() == []
    assert client.get("/music/stats/summary/").json()["plays"] == 0


def test_signed_out_is_refused(api_client):
    assert api_client.get("/music/stats/top/").status_code == 401


def test_deleting_a_listen_counts_it_out_and_another_users_is_404(paris_user, client):
    listens_store(user_id=paris_user.pk, rows=[play("A", "X", datetime(2025, 5, 1, tzinfo=UTC))])
    mine = Listen.objects.get(user=paris_user)
    other = UserFactory()
    listens_store(user_id=other.pk, rows=[play("B", "Y", datetime(2025, 5, 1, tzinfo=UTC))])

    assert client.delete(f"/music/listens/{Listen.objects.get(user=other).pk}/").status_code == 404
    assert client.delete(f"/music/listens/{mine.pk}/").status_code == 204
    assert client.delete(f"/music/listens/{mine.pk}/").status_code == 404
    assert client.get("/music/stats/top/").json() == []
    assert not StatsItem.objects.filter(user=paris_user).exists()
    assert Listen.objects.filter(user=other).count() == 1


def test_a_zone_change_rebuilds_the_tables_and_meanwhile_reads_the_listens(paris_user, client):
    listens_store(user_id=paris_user.pk, rows=[play("A", "X", datetime(2025, 12, 31, 23, 30, tzinfo=UTC))])
    paris_user.time_zone = "America/New_York"
    paris_user.save(update_fields=["time_zone"])  # the tables are still counted in Paris

    stale = client.get("/music/stats/summary/", {"from": "2025-12-31", "to": "2025-12-31"}).json()
    stats_rebuild(user_id=paris_user.pk, zone="America/New_York")
    rebuilt = client.get("/music/stats/summary/", {"from": "2025-12-31", "to": "2025-12-31"}).json()

    assert stale["plays"] == rebuilt["plays"] == 1  # 18:30 on 31 December in New York
    assert StatsZone.objects.get(user=paris_user).zone == "America/New_York"


def test_the_time_zone_signal_queues_a_rebuild(paris_user, django_capture_on_commit_callbacks):
    from users.signals import time_zone_changed

    paris_user.time_zone = "Asia/Kolkata"
    paris_user.save(update_fields=["time_zone"])
    with django_capture_on_commit_callbacks(execute=True):
        time_zone_changed.send(sender=type(paris_user), user=paris_user)

    assert StatsZone.objects.get(user=paris_user).zone == "Asia/Kolkata"


def test_the_rebuild_command_counts_every_user():
    user = UserFactory(time_zone="UTC")
    listens_store(user_id=user.pk, rows=[play("A", "X", datetime(2025, 5, 1, tzinfo=UTC))])
    StatsItem.objects.filter(user=user).delete()
    out = StringIO()

    call_command("stats_rebuild", "--user", user.email, stdout=out)

    assert "1 listens counted" in out.getvalue()
    assert top_artists(user=user, limit=5) == [("x", 1)]


def test_top_artists_reads_the_all_time_rows(paris_user):
    listens_store(
        user_id=paris_user.pk,
        rows=[
            play("A", "Band", datetime(2025, 5, 1, tzinfo=UTC)),
            play("B", "band", datetime(2025, 5, 2, tzinfo=UTC)),
        ],
    )
    stats_fold(paris_user.pk)  # the logged listens counted in
    StatsItem.objects.filter(user=paris_user, level="a").update(plays=7)  # what the tables say is what counts

    assert top_artists(user=paris_user, limit=5) == [("band", 14)]
