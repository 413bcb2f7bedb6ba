"""The summary tables, kept right in the transaction that writes the listens.

`listening.store` logs the ids of the rows it actually inserted (never a re-imported one) with
`stats_listens_added`, in the same transaction; `stats_fold` counts the log into the tables, grouped
(a month of plays of one track is one upsert), before any stats read and in a task after the write;
`listens_delete` counts deleted rows out with `stats_listens_removed`. So the stats are right the moment
a listen is stored, and a write costs one small row per listen, not one upsert per table. The tables
are counted in the zone recorded in `StatsZone`; when the user picks another zone (or the tables were
never built) `stats_rebuild` recounts everything, and until then the stats read the listens themselves
(`stats_tables_zone`).

Every change is an additive upsert (`plays = plays + excluded.plays`), so pages can be applied in any
order and a rebuild can stream the history in chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Min, Model
from django.utils import timezone

from core.tasks import enqueue_on_commit
from listening.models import Listen, StatsDay, StatsHour, StatsItem, StatsPending, StatsZone
from listening.stats.keys import ALL_TIME, local_keys

REBUILD_CHUNK = 50_000
# The rows of every source added up: a top list without a source filter reads them in the order of
# the index `statsitem_top` and stops after `limit` rows, whatever the number of items.
EVERY_SOURCE = "*"
FOLD_QUEUE_SECONDS = 30
_UPSERT_BATCH = 500  # SQLite: rows per VALUES statement


class Played(NamedTuple):
    """What the stats need of a listen."""

    played_at: datetime
    source: str
    title: str
    artist: str
    album: str
    duration_ms: int


PLAYED_FIELDS = Played._fields


def played_from(rows: Iterable[object]) -> list[Played]:
    """Played tuples from ListenRow or Listen objects."""
    return [Played(*(getattr(row, name) for name in PLAYED_FIELDS)) for row in rows]


@dataclass
class Tally:
    """Plays counted into the tables' keys; `sign` -1 counts plays out."""

    tz: ZoneInfo
    sign: int = 1
    items: dict[tuple[str, str, date, str, str, str], list] = field(default_factory=dict)
    days: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    hours: dict[tuple[str, datetime], list] = field(default_factory=dict)

    def add(self, play: Played) -> None:
        keys = local_keys(play.played_at, self.tz)
        sign, ms = self.sign, self.sign * (play.duration_ms or 0)
        periods = ((StatsItem.Level.MONTH, keys.month), (StatsItem.Level.YEAR, keys.year))
        named = [(StatsItem.Kind.ARTIST, play.artist, ""), (StatsItem.Kind.TRACK, play.title, play.artist)]
        if play.album:
            named.append((StatsItem.Kind.ALBUM, play.album, play.artist))
        for kind, name, artist in named:
            first = play.played_at if kind == StatsItem.Kind.ARTIST else None
            for source in (play.source, EVERY_SOURCE):
                for level, period in periods:
                    self._item((kind, level, period, source, name, artist), sign, ms, None)
                self._item((kind, StatsItem.Level.ALL, ALL_TIME, source, name, artist), sign, ms, first)
        day = self.days.setdefault((play.source, keys.day), [0, 0])
        day[0] += sign
        day[1] += ms
        hour = self.hours.setdefault((play.source, keys.hour_start), [keys.day, keys.hour, 0, 0])
        hour[2] += sign
        hour[3] += ms

    def _item(self, key: tuple, sign: int, ms: int, first: datetime | None) -> None:
        entry = self.items.get(key)
        if entry is None:
            self.items[key] = [sign, ms, first]
            return
        entry[0] += sign
        entry[1] += ms
        if first is not None and (entry[2] is None or first < entry[2]):
            entry[2] = first


# --- Writing: additive upserts, the same statement on PostgreSQL and SQLite ----------------------------


# PostgreSQL array types of the tables' columns, for `unnest`.
_PG_TYPES = {
    "user_id": "bigint",
    "period": "date",
    "day": "date",
    "start": "timestamptz",
    "hour": "int",
    "plays": "int",
    "ms": "bigint",
    "first_played_at": "timestamptz",
}


def _upsert(
    model: type[Model], key: list[str], values: list[str], rows: list[tuple], *, first: bool = False
) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding the counts. On PostgreSQL the rows travel as one array per
    column (`unnest`): one short statement whatever their number, which psycopg prepares once; a
    VALUES list of thousands of placeholders costs more to build than to run. SQLite takes VALUES."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key, *values] + (["first_played_at"] if first else [])
    updates = [f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in ("plays", "ms")]
    if first:
        column = quote("first_played_at")
        updates.append(
            f"{column} = CASE WHEN {table}.{column} IS NULL OR excluded.{column} < {table}.{column} "
            f"THEN excluded.{column} ELSE {table}.{column} END"
        )
    names = ", ".join(quote(c) for c in columns)
    head = f"INSERT INTO {table} ({names}) "
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {', '.join(updates)}"
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_PG_TYPES.get(c, 'text')}[]" for c in columns)
        statement = head + f"SELECT * FROM unnest({arrays}) AS page({names})" + tail  # noqa: S608 - identifiers
        connection.ensure_connection()
        # psycopg's own cursor binds on the server: the arrays travel as they are instead of being
        # quoted into the SQL text in Python (Django's client-side cursor), which cost more than the upsert.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(statement, [list(column) for column in zip(*rows, strict=True)])
        return
    adapt = connection.ops.adapt_datetimefield_value
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _UPSERT_BATCH):
            batch = rows[start : start + _UPSERT_BATCH]
            params = [
                adapt(value) if isinstance(value, datetime) else value for row in batch for value in row
            ]
            cursor.execute(head + "VALUES " + ", ".join([placeholder] * len(batch)) + tail, params)


def _write(user_id: int, tally: Tally) -> None:
    _upsert(
        StatsItem,
        ["user_id", "kind", "level", "period", "source", "name", "artist"],
        ["plays", "ms"],
        [(user_id, *key, plays, ms, first) for key, (plays, ms, first) in tally.items.items()],
        first=True,
    )
    _upsert(
        StatsDay,
        ["user_id", "day", "source"],
        ["plays", "ms"],
        [(user_id, day, source, plays, ms) for (source, day), (plays, ms) in tally.days.items()],
    )
    _upsert(
        StatsHour,
        ["user_id", "start", "source"],
        ["day", "hour", "plays", "ms"],
        [
            (user_id, start, source, day, hour, plays, ms)
            for (source, start), (day, hour, plays, ms) in tally.hours.items()
        ],
    )


def _zone_for_write(user_id: int) -> ZoneInfo | None:
    """The tables' zone, with the user's StatsZone row locked (writers and a rebuild take turns);
    None when the tables were never built (a rebuild will count these plays)."""
    zone = (
        StatsZone.objects.select_for_update().filter(user_id=user_id).values_list("zone", flat=True).first()
    )
    if zone is None:
        return None
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def stats_listens_added(user_id: int, ids: list[int]) -> None:
    """Logs newly stored listens for counting (StatsPending). Call in the transaction that stored them:
    one small row each, so a write costs what it did; `stats_fold` counts the log in, grouped."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO listening_statspending (listen_id, user_id) SELECT unnest(%s::bigint[]), %s "
                "ON CONFLICT DO NOTHING",
                [ids, user_id],
            )
    else:
        StatsPending.objects.bulk_create(
            [StatsPending(listen_id=listen_id, user_id=user_id) for listen_id in ids], ignore_conflicts=True
        )
    _fold_soon(user_id)


def _fold_soon(user_id: int) -> None:
    """Queues one fold per user at a time, after commit (a worker, a thread, or never in tests)."""
    if cache.add(f"stats-fold:{user_id}", 1, timeout=FOLD_QUEUE_SECONDS):
        from listening.tasks import fold_stats  # the tasks module imports the jobs: loaded on demand

        enqueue_on_commit(fold_stats, user_id)


def stats_fold(user_id: int, *, at_most: int | None = None) -> bool:
    """Counts the user's logged listens into the tables, in one transaction. Returns False (and counts
    nothing) when more than `at_most` wait: the caller reads the listens instead and a fold is queued."""
    if not StatsPending.objects.filter(user_id=user_id).exists():
        return True
    with transaction.atomic():
        tz = _zone_for_write(user_id)
        if tz is None:
            StatsPending.objects.filter(user_id=user_id).delete()  # the rebuild will count everything
            return False
        pending = StatsPending.objects.filter(user_id=user_id)
        if at_most is not None and pending[: at_most + 1].count() > at_most:
            _fold_soon(user_id)
            return False
        # Only what this statement sees is taken: a listen logged meanwhile waits for the next fold.
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(StatsPending._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %s RETURNING listen_id", [user_id])  # noqa: S608
            ids = [listen_id for (listen_id,) in cursor.fetchall()]
        if not ids:
            return True
        if connection.vendor == "postgresql":
            _count_in_sql(user_id, tz.key, "l.id = ANY(%(ids)s)", {"ids": ids})
            return True
        tally = Tally(tz)
        for start in range(0, len(ids), 5_000):
            for row in Listen.objects.filter(id__in=ids[start : start + 5_000]).values_list(*PLAYED_FIELDS):
                tally.add(Played(*row))
        _write(user_id, tally)
    return True


def stats_listens_removed(user_id: int, plays: dict[int, Played]) -> None:
    """Counts deleted listens (by id) out, after they are deleted, in the same transaction; one still
    waiting in the log was never counted: its log row goes instead."""
    if not plays:
        return
    tz = _zone_for_write(user_id)
    if tz is None:
        return
    logged = StatsPending.objects.filter(user_id=user_id, listen_id__in=list(plays))
    uncounted = set(logged.values_list("listen_id", flat=True))
    logged.delete()
    tally = Tally(tz, sign=-1)
    for listen_id, play in plays.items():
        if listen_id not in uncounted:
            tally.add(play)
    _write(user_id, tally)
    _drop_empty(user_id, tally)
    _refresh_first_plays(
        user_id,
        {
            (source, name)
            for (kind, level, _, source, name, _) in tally.items
            if kind == "artist" and level == "a"
        },
    )


def _drop_empty(user_id: int, tally: Tally) -> None:
    periods = {key[2] for key in tally.items}
    StatsItem.objects.filter(user_id=user_id, period__in=periods, plays__lte=0).delete()
    StatsDay.objects.filter(user_id=user_id, day__in={day for _, day in tally.days}, plays__lte=0).delete()
    StatsHour.objects.filter(
        user_id=user_id, start__in={start for _, start in tally.hours}, plays__lte=0
    ).delete()


def _refresh_first_plays(user_id: int, artists: set[tuple[str, str]]) -> None:
    """An artist's first play may be among the deleted ones: read it again from the listens."""
    names = sorted({artist for _, artist in artists})
    firsts: dict[tuple[str, str], datetime] = {}
    for start in range(0, len(names), 500):
        rows = (
            Listen.objects.filter(user_id=user_id, artist__in=names[start : start + 500])
            .values_list("source", "artist")
            .annotate(first=Min("played_at"))
            .order_by()
        )
        for source, artist, first in rows:
            firsts[(source, artist)] = first
            every = firsts.get((EVERY_SOURCE, artist))
            firsts[(EVERY_SOURCE, artist)] = first if every is None else min(every, first)
    for source, artist in artists:
        first = firsts.get((source, artist))
        if first is not None:
            StatsItem.objects.filter(
                user_id=user_id,
                kind=StatsItem.Kind.ARTIST,
                level=StatsItem.Level.ALL,
                period=ALL_TIME,
                source=source,
                name=artist,
                artist="",
            ).update(first_played_at=first)


# --- The zone the tables are in, and rebuilding them ------------------------------------------------


def stats_tables_zone(user_id: int) -> str | None:
    """The zone the user's tables are counted in, or None when they were never built."""
    return StatsZone.objects.filter(user_id=user_id).values_list("zone", flat=True).first()


# --- PostgreSQL counts a page itself: no row travels back to Python ------------------------------------

# `local` is the play's wall-clock time in the zone; a local hour begins `local - date_trunc('hour',
# local)` before the play (the same instant `keys.local_keys` computes, at the play's own offset).
_LOCAL = "CROSS JOIN LATERAL (SELECT (l.played_at AT TIME ZONE %(zone)s) AS local) t"

_ITEMS_SQL = f"""
INSERT INTO listening_statsitem
    (user_id, kind, level, period, source, name, artist, plays, ms, first_played_at)
SELECT %(user)s, k.kind, p.level, p.period, COALESCE(l.source, '*'), k.name, k.artist, count(*),
       sum(l.duration_ms), CASE WHEN k.kind = 'artist' AND p.level = 'a' THEN min(l.played_at) END
FROM listening_listen l
{_LOCAL}
CROSS JOIN LATERAL (VALUES ('artist', l.artist, ''), ('track', l.title, l.artist),
                           ('album', l.album, l.artist)) AS k(kind, name, artist)
CROSS JOIN LATERAL (VALUES ('m', date_trunc('month', t.local)::date),
                           ('y', date_trunc('year', t.local)::date),
                           ('a', DATE '0001-01-01')) AS p(level, period)
WHERE {{where}} AND NOT (k.kind = 'album' AND l.album = '')
GROUP BY GROUPING SETS ((k.kind, p.level, p.period, l.source, k.name, k.artist),
                        (k.kind, p.level, p.period, k.name, k.artist))
ON CONFLICT (user_id, kind, level, period, source, name, artist) DO UPDATE SET
    plays = listening_statsitem.plays + excluded.plays,
    ms = listening_statsitem.ms + excluded.ms,
    first_played_at = CASE WHEN listening_statsitem.first_played_at IS NULL
        OR excluded.first_played_at < listening_statsitem.first_played_at
        THEN excluded.first_played_at ELSE listening_statsitem.first_played_at END
"""  # noqa: S608 - a fixed statement; every value is bound

_DAYS_SQL = f"""
INSERT INTO listening_statsday (user_id, day, source, plays, ms)
SELECT %(user)s, t.local::date, l.source, count(*), sum(l.duration_ms)
FROM listening_listen l
{_LOCAL}
WHERE {{where}}
GROUP BY t.local::date, l.source
ON CONFLICT (user_id, day, source) DO UPDATE SET
    plays = listening_statsday.plays + excluded.plays, ms = listening_statsday.ms + excluded.ms
"""  # noqa: S608 - a fixed statement; every value is bound

_HOURS_SQL = f"""
INSERT INTO listening_statshour (user_id, start, source, day, hour, plays, ms)
SELECT %(user)s, l.played_at - (t.local - date_trunc('hour', t.local)) AS start, l.source,
       min(t.local::date), min(extract(hour FROM t.local)::int), count(*), sum(l.duration_ms)
FROM listening_listen l
{_LOCAL}
WHERE {{where}}
GROUP BY 2, l.source
ON CONFLICT (user_id, start, source) DO UPDATE SET
    plays = listening_statshour.plays + excluded.plays, ms = listening_statshour.ms + excluded.ms
"""  # noqa: S608 - a fixed statement; every value is bound


def _count_in_sql(user_id: int, zone: str, where: str, params: dict) -> None:
    """Counts the listens matching `where` (alias `l`) in, grouped by PostgreSQL in `zone`."""
    values = {"user": user_id, "zone": zone, **params}
    with connection.cursor() as cursor:
        for statement in (_ITEMS_SQL, _DAYS_SQL, _HOURS_SQL):
            cursor.execute(statement.format(where=where), values)


def stats_rebuild(*, user_id: int, zone: str) -> int:
    """Recounts the user's tables in `zone` from the listens, in one transaction; returns the plays
    counted. Writers wait on the StatsZone row meanwhile, so no play is counted twice or missed."""
    tz = ZoneInfo(zone)
    counted = 0
    with transaction.atomic():
        StatsZone.objects.get_or_create(user_id=user_id, defaults={"zone": zone})
        StatsZone.objects.select_for_update().filter(user_id=user_id).update(
            zone=zone, built_at=timezone.now()
        )
        for model in (StatsItem, StatsDay, StatsHour, StatsPending):  # the log too: all is recounted
            model.objects.filter(user_id=user_id).delete()
        if connection.vendor == "postgresql":
            _count_in_sql(user_id, zone, "l.user_id = %(user)s", {})
            return Listen.objects.filter(user_id=user_id).count()
        listens = Listen.objects.filter(user_id=user_id).order_by().values_list(*PLAYED_FIELDS)
        tally = Tally(tz)
        for row in listens.iterator(chunk_size=5_000):
            tally.add(Played(*row))
            counted += 1
            if counted % REBUILD_CHUNK == 0:
                _write(user_id, tally)
                tally = Tally(tz)
        _write(user_id, tally)
    return counted
