"""Every stats endpoint against a brute-force count over the Listen table.

Hypothesis draws a history (plays clustered around DST changes and midnights, from several sources,
with Spotify/Last.fm twins), a zone (half-hour offsets and Lord Howe's 30-minute DST included), a
range, sources and `collapse`; each endpoint's answer must equal what a plain GROUP BY over the
matching listens (and Python's zoneinfo for local days and hours) says. Then listens are added,
re-imported and deleted, and every answer is checked again: the summary tables must follow.
Both ways of answering are checked: the summary tables (counted in the user's zone) and the listens
themselves (a `tz` parameter other than the tables' zone).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from listening.importers import ListenRow
from listening.models import Listen
from listening.stats.tally import stats_rebuild
from listening.store import listens_delete, listens_store
from tests.conftest import client_for
from tests.factories import UserFactory

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "America/Santiago",
]
# Instants near the 2025 DST changes of the zones above, and a few ordinary days.
ANCHORS = [
    datetime(2025, 3, 30, 1, 0, tzinfo=UTC),  # Europe springs forward
    datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # Europe falls back (02:30 local happens twice)
    datetime(2025, 11, 2, 5, 30, tzinfo=UTC),  # New York falls back
    datetime(2025, 4, 5, 14, 45, tzinfo=UTC),  # Lord Howe falls back (01:30-02:00 twice)
    datetime(2025, 11, 2, 3, 0, tzinfo=UTC),  # St John's falls back
    datetime(2025, 12, 31, 23, 50, tzinfo=UTC),  # a year's last minutes in UTC
    datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
    datetime(2025, 6, 30, 22, 0, tzinfo=UTC),  # a month's end
]
TRACKS = [("Song A", "Alpha", "First"), ("Song B", "alpha", ""), ("Song C", "Beta", "Second"),
          ("Song D", "Gamma", "Second"), ("Song E", "Beta", "Third")]  # fmt: skip
SOURCES = ["spotify", "lastfm", "listenbrainz", "library"]


@st.composite
def plays(draw) -> ListenRow:
    anchor = draw(st.sampled_from(ANCHORS))
    minutes = draw(st.integers(min_value=-60 * 26, max_value=60 * 26))
    title, artist, album = draw(st.sampled_from(TRACKS))
    return ListenRow(
        title=title,
        artist=artist,
        album=album,
        played_at=anchor + timedelta(minutes=minutes, seconds=draw(st.integers(0, 59))),
        source=draw(st.sampled_from(SOURCES)),
        duration_ms=draw(st.sampled_from([0, 180_000, 241_500])),
    )


def with_twins(rows: list[ListenRow]) -> list[ListenRow]:
    """Every Last.fm play also seen by Spotify a few minutes later, for some of them."""
    twins = [
        ListenRow(row.title, row.artist.upper(), row.album, row.played_at + timedelta(minutes=3), "spotify")
        for row in rows[::3]
        if row.source == "lastfm"
    ]
    return rows + twins


ranges = st.one_of(
    st.builds(lambda anchor, back, length: {"from": anchor - timedelta(days=back), "length": length},
              st.sampled_from([a.date() for a in ANCHORS]), st.integers(0, 40), st.integers(0, 400)),
    st.builds(lambda r, o: {"range": r, "offset": o},
              st.sampled_from(["today", "week", "month", "year"]), st.integers(-2, 0)),
    st.just({"range": "all_time"}),
)  # fmt: skip


def params_for(chosen: dict, sources: list[str], collapse: bool, tz: str | None) -> dict:
    params: dict = {}
    if "from" in chosen:
        params["from"] = chosen["from"].isoformat()
        params["to"] = (chosen["from"] + timedelta(days=chosen["length"])).isoformat()
    else:
        params["range"] = chosen["range"]
        if chosen.get("offset"):
            params["offset"] = chosen["offset"]
    if sources:
        params["source"] = sources
    if collapse:
        params["collapse"] = "true"
    if tz:
        params["tz"] = tz
    return params


# --- The brute force -------------------------------------------------------------------------------


def expected_listens(user, tz: ZoneInfo, answer_range: dict, sources: list[str], collapse: bool):
    listens = list(Listen.objects.filter(user=user))
    if sources:
        listens = [listen for listen in listens if listen.source in sources]
    if collapse:
        spotify = list(Listen.objects.filter(user=user, source="spotify"))

        def hidden(listen) -> bool:
            return listen.source == "lastfm" and any(
                other.title.lower() == listen.title.lower()
                and other.artist.lower() == listen.artist.lower()
                and timedelta(0) <= other.played_at - listen.played_at <= timedelta(minutes=20)
                for other in spotify
            )

        listens = [listen for listen in listens if not hidden(listen)]
    everything = listens
    if not answer_range["all_time"]:
        first, last = date.fromisoformat(answer_range["start"]), date.fromisoformat(answer_range["end"])
        start = datetime.combine(first, time(0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        listens = [listen for listen in listens if start <= listen.played_at < end]
    return listens, everything


def group_by(ids: list[int], fields: list[str], exclude_empty_album: bool = False) -> dict:
    """A plain GROUP BY over the chosen listens."""
    rows = Listen.objects.filter(id__in=ids)
    if exclude_empty_album:
        rows = rows.exclude(album="")
    grouped = rows.values(*fields).annotate(plays=Count("id"), ms=Sum("duration_ms")).order_by()
    return {tuple(row[field] for field in fields): (row["plays"], row["ms"] or 0) for row in grouped}


def check_top(client, user, params, listens, by: str) -> None:
    ids = [listen.id for listen in listens]
    total_plays, total_ms = len(listens), sum(listen.duration_ms for listen in listens)
    for kind, fields in (
        ("artists", ["artist"]),
        ("tracks", ["title", "artist"]),
        ("albums", ["album", "artist"]),
    ):
        got = client.get("/music/stats/top/", {**params, "kind": kind, "by": by, "limit": 100})
        assert got.status_code == 200, got.content
        counts = group_by(ids, fields, exclude_empty_album=kind == "albums")
        expected = sorted(
            ((key, plays, ms) for key, (plays, ms) in counts.items()),
            key=lambda row: (-row[1], -row[2], *row[0]) if by == "plays" else (-row[2], -row[1], *row[0]),
        )
        total = total_plays if by == "plays" else total_ms
        answer = [
            ((row["name"], row["artist"]) if "artist" in row else (row["name"],), row["plays"], row["ms"])
            for row in got.json()
        ]
        assert answer == expected, kind
        for row, (_, plays, ms) in zip(got.json(), expected, strict=True):
            value = plays if by == "plays" else ms
            assert row["share"] == pytest.approx(value / total if total else 0.0, abs=1e-6)


def local_hour_key(played_at: datetime, tz: ZoneInfo) -> str:
    local = played_at.astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0).isoformat()


def check_activity(client, params, listens, tz: ZoneInfo, answer_range: dict) -> None:
    days = Counter(listen.played_at.astimezone(tz).date() for listen in listens)
    for bucket in ("day", "week", "month", "weekday", "clock", "hour"):
        got = client.get("/music/stats/activity/", {**params, "bucket": bucket})
        if bucket == "hour" and (answer_range["all_time"] or _days(answer_range) > 92):
            assert got.status_code == 400
            assert "bucket" in got.json()
            continue
        assert got.status_code == 200, got.content
        buckets = got.json()["buckets"]
        counted = {row["key"]: row["plays"] for row in buckets}
        assert sum(counted.values()) == len(listens), bucket
        assert len(counted) == len(buckets), f"{bucket}: a bucket listed twice"
        if bucket == "day":
            assert {key: n for key, n in counted.items() if n} == {d.isoformat(): n for d, n in days.items()}
            if not answer_range["all_time"]:
                assert len(buckets) == _days(answer_range)
        elif bucket == "week":
            weeks = Counter()
            for day, n in days.items():
                weeks[(day - timedelta(days=day.weekday())).isoformat()] += n
            assert {key: n for key, n in counted.items() if n} == dict(weeks)
        elif bucket == "month":
            months = Counter()
            for day, n in days.items():
                months[day.strftime("%Y-%m")] += n
            assert {key: n for key, n in counted.items() if n} == dict(months)
        elif bucket == "weekday":
            assert len(buckets) == 7
            weekdays = Counter()
            for day, n in days.items():
                weekdays[str(day.weekday())] += n
            assert {key: n for key, n in counted.items() if n} == dict(weekdays)
        elif bucket == "clock":
            assert len(buckets) == 168
            clock = Counter(
                f"{listen.played_at.astimezone(tz).weekday()}-{listen.played_at.astimezone(tz).hour}"
                for listen in listens
            )
            assert {key: n for key, n in counted.items() if n} == dict(clock)
        else:
            hours = Counter(local_hour_key(listen.played_at, tz) for listen in listens)
            assert {key: n for key, n in counted.items() if n} == dict(hours)
            first = date.fromisoformat(answer_range["start"])
            last = date.fromisoformat(answer_range["end"])
            span = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz) - datetime.combine(
                first, time(0), tzinfo=tz
            )
            # A local hour lasts an hour, except around Lord Howe's 30-minute change.
            assert abs(len(buckets) - span / timedelta(hours=1)) <= 1


def _days(answer_range: dict) -> int:
    return (date.fromisoformat(answer_range["end"]) - date.fromisoformat(answer_range["start"])).days + 1


def check_summary(client, params, listens, everything, tz: ZoneInfo, answer_range: dict) -> None:
    got = client.get("/music/stats/summary/", params)
    assert got.status_code == 200, got.content
    body = got.json()
    ids = [listen.id for listen in listens]
    assert body["plays"] == len(listens)
    assert body["ms"] == sum(listen.duration_ms for listen in listens)
    assert body["artists"] == len(group_by(ids, ["artist"]))
    assert body["tracks"] == len(group_by(ids, ["title", "artist"]))
    assert body["albums"] == len(group_by(ids, ["album", "artist"], exclude_empty_album=True))
    times = sorted(listen.played_at for listen in listens)
    assert (body["first_play"], body["last_play"]) == (
        (times[0].isoformat().replace("+00:00", "Z"), times[-1].isoformat().replace("+00:00", "Z"))
        if times
        else (None, None)
    )
    days = Counter(listen.played_at.astimezone(tz).date() for listen in listens)
    if days:
        busiest = max(sorted(days), key=lambda day: days[day])
        assert body["busiest_day"] == {"day": busiest.isoformat(), "plays": days[busiest]}
        longest = 0
        for _, run in itertools.groupby(
            enumerate(sorted(days)), key=lambda pair: pair[1].toordinal() - pair[0]
        ):
            longest = max(longest, len(list(run)))
        assert body["longest_streak"]["days"] == longest
    else:
        assert body["busiest_day"] is None
        assert body["longest_streak"] is None
    first_ever: dict[str, datetime] = {}
    for listen in everything:
        if listen.artist not in first_ever or listen.played_at < first_ever[listen.artist]:
            first_ever[listen.artist] = listen.played_at
    in_range = {listen.id for listen in listens}
    firsts_in_range = [
        artist
        for artist, at in first_ever.items()
        if answer_range["all_time"] or any(x.id in in_range and x.played_at == at for x in everything)
    ]
    assert body["new_artists"] == len(firsts_in_range)


def check_everything(client, user, params: dict, zone: str, sources, collapse) -> None:
    summary = client.get("/music/stats/summary/", params)
    assert summary.status_code == 200, summary.content
    answer_range = summary.json()["range"]
    tz = ZoneInfo(zone)
    assert answer_range["time_zone"] == zone
    listens, everything = expected_listens(user, tz, answer_range, sources, collapse)
    check_top(client, user, params, listens, "plays")
    check_top(client, user, params, listens, "time")
    check_activity(client, params, listens, tz, answer_range)
    check_summary(client, params, listens, everything, tz, answer_range)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)  # no shrinking: a failure prints its example at once
@given(
    history=st.lists(plays(), min_size=0, max_size=40),
    later=st.lists(plays(), min_size=1, max_size=15),
    zone=st.sampled_from(ZONES),
    other_zone=st.sampled_from(ZONES),
    chosen=ranges,
    sources=st.lists(st.sampled_from(SOURCES), max_size=2, unique=True),
    collapse=st.booleans(),
    use_tables=st.booleans(),
    drop=st.integers(0, 5),
)
def test_every_endpoint_matches_a_brute_force_count(
    history, later, zone, other_zone, chosen, sources, collapse, use_tables, drop
):
    user = UserFactory(time_zone=zone)
    stats_rebuild(user_id=user.pk, zone=zone)  # the tables in the user's zone
    listens_store(user_id=user.pk, rows=with_twins(history))
    client = client_for(user, "token")
    asked = zone if use_tables else other_zone
    params = params_for(chosen, sources, collapse, None if use_tables else other_zone)
    check_everything(client, user, params, asked, sources, collapse)

    # Listens added (some of them re-imports of stored ones) and deleted after the first call.
    listens_store(user_id=user.pk, rows=later + history[: len(history) // 2])
    stored = list(Listen.objects.filter(user=user).order_by("played_at", "id").values_list("id", flat=True))
    listens_delete(user_id=user.pk, ids=stored[:: max(1, len(stored) // (drop + 1))][:drop])
    check_everything(client, user, params, asked, sources, collapse)


@pytest.mark.django_db
def test_the_tables_after_writes_equal_a_rebuild():
    """Stored, re-imported and deleted listens leave the tables exactly as a rebuild would."""
    from listening.models import StatsDay, StatsHour, StatsItem, StatsPending
    from listening.stats.tally import PLAYED_FIELDS, Played, Tally, stats_fold

    user = UserFactory(time_zone="Australia/Lord_Howe")
    stats_rebuild(user_id=user.pk, zone="Australia/Lord_Howe")
    rows = [
        ListenRow(f"Song {n % 7}", f"Artist {n % 3}", f"Album {n % 2}" if n % 5 else "",
                  ANCHORS[n % len(ANCHORS)] + timedelta(minutes=37 * n), SOURCES[n % 4], duration_ms=1000 * n)
        for n in range(120)
    ]  # fmt: skip
    listens_store(user_id=user.pk, rows=rows)
    listens_store(user_id=user.pk, rows=rows[:50])  # re-imported: no count moves
    ids = list(Listen.objects.filter(user=user).values_list("id", flat=True))
    listens_delete(user_id=user.pk, ids=ids[::4])

    def snapshot():
        return (
            sorted(StatsItem.objects.filter(user=user).values_list(
                "kind", "level", "period", "source", "name", "artist", "plays", "ms", "first_played_at")),
            sorted(StatsDay.objects.filter(user=user).values_list("day", "source", "plays", "ms")),
            sorted(StatsHour.objects.filter(user=user).values_list(
                "start", "source", "day", "hour", "plays", "ms")),
        )  # fmt: skip

    assert StatsPending.objects.filter(user=user).exists()  # a write only logs its listens
    stats_fold(user.pk)
    kept = snapshot()
    stats_rebuild(user_id=user.pk, zone="Australia/Lord_Howe")
    assert snapshot() == kept

    # The database's count (PostgreSQL folds in SQL) is the same as Python's (SQLite, and deletes).
    tally = Tally(ZoneInfo("Australia/Lord_Howe"))
    for row in Listen.objects.filter(user=user).values_list(*PLAYED_FIELDS):
        tally.add(Played(*row))
    items, days, hours = kept
    assert sorted((*key, plays, ms, first) for key, (plays, ms, first) in tally.items.items()) == items
    assert sorted((day, source, *counts) for (source, day), counts in tally.days.items()) == days
    assert sorted((start, source, *counts) for (source, start), counts in tally.hours.items()) == hours
    assert sum(plays for *_, plays, _ in kept[1]) == Listen.objects.filter(user=user).count() == 90
