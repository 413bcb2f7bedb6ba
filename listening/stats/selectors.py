"""The stats: top lists, activity buckets, the summary and the year in review, for any range of local days.

Whole years, whole months and all time come from the summary tables (StatsItem), any range of days
from StatsDay and StatsHour, and only the days around whole months from the listens themselves. When
the tables cannot answer (`collapse`, or tables counted in another zone while a rebuild catches up) every
figure is read from the listens: slower, never wrong.

Ties are ordered by plays, time, then name and artist compared by code point, the same in SQL (a binary
collation) and in Python, so the tables, the listens and a brute-force count agree on every list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Min, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Collate, ExtractIsoWeekDay
from django.utils import timezone

from core.tasks import enqueue_on_commit
from listening.filters import listens_collapsed
from listening.models import Listen, StatsDay, StatsHour, StatsItem
from listening.stats.keys import ALL_TIME, hour_starts, local_keys, local_midnight
from listening.stats.query import Pieces, StatsQuery, pieces
from listening.stats.tally import EVERY_SOURCE, stats_fold, stats_tables_zone
from users.models import User
from users.selectors import user_zone

Kind = Literal["artists", "tracks", "albums"]
By = Literal["plays", "time"]
BucketName = Literal["hour", "day", "week", "month", "weekday", "clock"]

KINDS: dict[str, str] = {"artists": "artist", "tracks": "track", "albums": "album"}
BUCKETS = ("hour", "day", "week", "month", "weekday", "clock")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REBUILD_LOCK_SECONDS = 600
NO_PIECES = Pieces([], [], [])  # all time: the all-time rows answer
FOLD_INLINE_MAX = 50_000  # more logged listens than this: read the listens, fold in the background


@dataclass(frozen=True)
class TopItem:
    name: str
    artist: str | None
    plays: int
    ms: int
    share: float


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    plays: int
    ms: int


@dataclass(frozen=True)
class Streak:
    first: date
    last: date
    days: int


@dataclass(frozen=True)
class DayCount:
    day: date
    plays: int


@dataclass(frozen=True)
class Summary:
    plays: int
    ms: int
    artists: int
    tracks: int
    albums: int
    first_play: datetime | None
    last_play: datetime | None
    longest_streak: Streak | None
    current_streak: Streak | None
    busiest_day: DayCount | None
    new_artists: int


@dataclass(frozen=True)
class MonthArtist:
    month: str
    name: str | None
    plays: int


@dataclass(frozen=True)
class YearReview:
    year: int
    summary: Summary
    top_artists: list[TopItem]
    top_tracks: list[TopItem]
    top_albums: list[TopItem]
    months: list[Bucket]
    artist_of_month: list[MonthArtist]


# --- Where the figures come from ------------------------------------------------------------------


def _tables_answer(q: StatsQuery) -> bool:
    return q.use_tables if q.use_tables is not None else _ask_tables(q)


def _resolved(q: StatsQuery) -> StatsQuery:
    """The query with `use_tables` decided once (a selector asks many times)."""
    return q if q.use_tables is not None else replace(q, use_tables=_ask_tables(q))


def stats_resolve(q: StatsQuery) -> StatsQuery:
    """Decides once, for a page or a request that asks several selectors, whether the summary tables
    answer (counting in the listens logged since first): two queries, not two per selector."""
    return _resolved(q)


def _ask_tables(q: StatsQuery) -> bool:
    """Whether the summary tables are counted in the query's zone; if not, a rebuild is queued."""
    if q.collapse:
        return False
    if stats_tables_zone(q.user_id) == q.tz.key:
        return stats_fold(q.user_id, at_most=FOLD_INLINE_MAX)  # the listens logged since, counted in first
    if cache.add(f"stats-rebuild:{q.user_id}", 1, timeout=REBUILD_LOCK_SECONDS):
        from listening.tasks import rebuild_stats  # the tasks module imports the jobs: loaded on demand

        enqueue_on_commit(rebuild_stats, q.user_id)
    return False


def _listens(q: StatsQuery, start: datetime | None = None, end: datetime | None = None) -> QuerySet[Listen]:
    listens = Listen.objects.filter(user_id=q.user_id)
    if start is not None and end is not None:
        listens = listens.filter(played_at__gte=start, played_at__lt=end)
    elif not q.all_time:
        listens = listens.filter(played_at__gte=q.start, played_at__lt=q.end)
    if q.sources:
        listens = listens.filter(source__in=q.sources)
    if q.collapse:
        listens = listens_collapsed(listens)
    return listens.order_by()


def _sourced(model: type[Model], q: StatsQuery) -> QuerySet:
    rows = model._default_manager.filter(user_id=q.user_id)
    if q.sources:
        return rows.filter(source__in=q.sources)
    # StatsItem has each item's sources added up in its "*" rows; the day and hour tables are small.
    return rows.filter(source=EVERY_SOURCE) if model is StatsItem else rows


def _binary(name: str) -> Collate:
    return Collate(F(name), "C" if connection.vendor == "postgresql" else "BINARY")


def _order(by: str) -> list:
    first, second = ("plays", "ms") if by == "plays" else ("ms", "plays")
    return [F(first).desc(), F(second).desc(), _binary("name").asc(), _binary("artist").asc()]


def _sort_key(by: str):
    if by == "plays":
        return lambda row: (-row[2], -row[3], row[0], row[1])
    return lambda row: (-row[3], -row[2], row[0], row[1])


# --- Items: artists, tracks, albums -----------------------------------------------------------------

ItemRow = tuple[str, str, int, int]  # name, artist ("" for an artist), plays, ms


def _listen_item_rows(listens: QuerySet[Listen], kind: str) -> QuerySet:
    """(name, artist, plays, ms) per item, grouped by the database."""
    name_field = {"artist": "artist", "track": "title", "album": "album"}[kind]
    if kind == "album":
        listens = listens.exclude(album="")
    grouped = listens.values(name_field, *([] if kind == "artist" else ["artist"]))
    return grouped.annotate(plays=Count("id"), ms=Coalesce(Sum("duration_ms"), 0)).values_list(
        name_field, *([] if kind == "artist" else ["artist"]), "plays", "ms"
    )


def _as_item_rows(rows, kind: str) -> list[ItemRow]:
    if kind == "artist":
        return [(name, "", plays, ms) for name, plays, ms in rows]
    return [(name, artist, plays, ms) for name, artist, plays, ms in rows]


def _table_filter(q: StatsQuery, kind: str, years: list[date], months: list[date]) -> QuerySet:
    rows = _sourced(StatsItem, q).filter(kind=kind)
    if q.all_time:
        return rows.filter(level=StatsItem.Level.ALL)
    return rows.filter(
        Q(level=StatsItem.Level.YEAR, period__in=years) | Q(level=StatsItem.Level.MONTH, period__in=months)
    )


def _single_period(q: StatsQuery, kind: str, cut: Pieces) -> QuerySet | None:
    """The "*" rows of one whole period (all time, a year or a month) when no source is chosen: each
    item is one row there, with every source added up. None otherwise."""
    if q.sources:
        return None
    rows = _sourced(StatsItem, q).filter(kind=kind)
    if q.all_time:
        return rows.filter(level=StatsItem.Level.ALL, period=ALL_TIME)
    if cut.day_runs or len(cut.years) + len(cut.months) != 1:
        return None
    if cut.years:
        return rows.filter(level=StatsItem.Level.YEAR, period=cut.years[0])
    return rows.filter(level=StatsItem.Level.MONTH, period=cut.months[0])


def _items(q: StatsQuery, kind: str, by: str, limit: int | None) -> list[ItemRow]:
    """The range's items, best first (`limit` of them, or all)."""
    key = _sort_key(by)
    if not _tables_answer(q):
        grouped = _listen_item_rows(_listens(q), kind)
        return sorted(_as_item_rows(grouped, kind), key=key)[:limit]
    cut = NO_PIECES if q.all_time else pieces(q.first, q.last)
    single = _single_period(q, kind, cut)
    if single is not None:  # one row per item: read in the index's order, stop at `limit`
        ordered = single.order_by(*_order(by)).values_list("name", "artist", "plays", "ms")
        return list(ordered[:limit] if limit is not None else ordered)
    summed = (
        _table_filter(q, kind, cut.years, cut.months)
        .values("name", "artist")
        .annotate(plays=Sum("plays"), ms=Sum("ms"))
    )
    if q.all_time or not cut.day_runs:
        ordered = summed.order_by(*_order(by)).values_list("name", "artist", "plays", "ms")
        return list(ordered[:limit] if limit is not None else ordered)
    merged: dict[tuple[str, str], list[int]] = {}
    parts = [list(summed.values_list("name", "artist", "plays", "ms"))] if cut.years or cut.months else []
    for first, last in cut.day_runs:
        window = _listens(q, _midnight(q, first), _midnight(q, last + timedelta(days=1)))
        parts.append(_as_item_rows(_listen_item_rows(window, kind), kind))
    for part in parts:
        for name, artist, plays, ms in part:
            entry = merged.setdefault((name, artist), [0, 0])
            entry[0] += plays
            entry[1] += ms
    rows = [(name, artist, plays, ms) for (name, artist), (plays, ms) in merged.items() if plays > 0]
    return sorted(rows, key=key)[:limit]


def _midnight(q: StatsQuery, day: date) -> datetime:
    return local_midnight(day, q.tz)


# --- Days and hours ---------------------------------------------------------------------------------


def _day_counts(q: StatsQuery) -> dict[date, tuple[int, int]]:
    if _tables_answer(q):
        rows = _sourced(StatsDay, q)
        if not q.all_time:
            rows = rows.filter(day__gte=q.first, day__lte=q.last)
        grouped = rows.values("day").annotate(p=Sum("plays"), m=Sum("ms")).values_list("day", "p", "m")
        return {day: (plays, ms) for day, plays, ms in grouped.order_by() if plays}
    counts: dict[date, list[int]] = {}
    for played_at, ms in _listens(q).values_list("played_at", "duration_ms").iterator(chunk_size=5_000):
        entry = counts.setdefault(local_keys(played_at, q.tz).day, [0, 0])
        entry[0] += 1
        entry[1] += ms or 0
    return {day: (plays, ms) for day, (plays, ms) in counts.items()}


def _hour_counts(q: StatsQuery) -> dict[datetime, tuple[date, int, int, int]]:
    """Per local hour (its UTC start): day, hour of day, plays, ms."""
    if _tables_answer(q):
        rows = _sourced(StatsHour, q)
        if not q.all_time:
            rows = rows.filter(day__gte=q.first, day__lte=q.last)
        grouped = (
            rows.values("start", "day", "hour")
            .annotate(p=Sum("plays"), m=Sum("ms"))
            .values_list("start", "day", "hour", "p", "m")
        )
        return {start: (day, hour, plays, ms) for start, day, hour, plays, ms in grouped.order_by() if plays}
    counts: dict[datetime, list] = {}
    for played_at, ms in _listens(q).values_list("played_at", "duration_ms").iterator(chunk_size=5_000):
        keys = local_keys(played_at, q.tz)
        entry = counts.setdefault(keys.hour_start, [keys.day, keys.hour, 0, 0])
        entry[2] += 1
        entry[3] += ms or 0
    return {start: (entry[0], entry[1], entry[2], entry[3]) for start, entry in counts.items()}


def _clock_counts(q: StatsQuery) -> dict[tuple[int, int], tuple[int, int]]:
    """(weekday Monday=0, hour) → plays, ms; grouped by the database from the hour table."""
    if _tables_answer(q):
        rows = _sourced(StatsHour, q)
        if not q.all_time:
            rows = rows.filter(day__gte=q.first, day__lte=q.last)
        grouped = (
            rows.annotate(weekday=ExtractIsoWeekDay("day"))
            .values("weekday", "hour")
            .annotate(p=Sum("plays"), m=Sum("ms"))
            .values_list("weekday", "hour", "p", "m")
            .order_by()
        )
        return {(weekday - 1, hour): (plays, ms) for weekday, hour, plays, ms in grouped}
    clock: dict[tuple[int, int], list[int]] = {}
    for day, hour, plays, ms in _hour_counts(q).values():
        entry = clock.setdefault((day.weekday(), hour), [0, 0])
        entry[0] += plays
        entry[1] += ms
    return {key: (plays, ms) for key, (plays, ms) in clock.items()}


def _span(q: StatsQuery, days: dict[date, tuple[int, int]]) -> tuple[date, date]:
    """The days the buckets cover: the range, or for all time the history's first to last day."""
    if not q.all_time:
        return q.first, q.last
    if not days:
        today = timezone.now().astimezone(q.tz).date()
        return today, today
    return min(days), max(days)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


# --- The selectors ----------------------------------------------------------------------------------


def stats_top(q: StatsQuery, *, kind: str = "artists", by: str = "plays", limit: int = 10) -> list[TopItem]:
    """The most played artists, tracks or albums of the range, by plays or by listening time;
    `share` is each one's fraction of the range's plays (or time)."""
    q = _resolved(q)
    table_kind = KINDS[kind]
    rows = _items(q, table_kind, by, limit)
    plays_total, ms_total = _totals(q)
    total = plays_total if by == "plays" else ms_total
    return [
        TopItem(
            name=name,
            artist=None if table_kind == "artist" else artist,
            plays=plays,
            ms=ms,
            share=round((plays if by == "plays" else ms) / total, 6) if total else 0.0,
        )
        for name, artist, plays, ms in rows
    ]


def stats_totals(q: StatsQuery) -> tuple[int, int]:
    """The range's plays and listening time (ms)."""
    return _totals(_resolved(q))


def _totals(q: StatsQuery) -> tuple[int, int]:
    if _tables_answer(q):
        rows = _sourced(StatsDay, q)
        if not q.all_time:
            rows = rows.filter(day__gte=q.first, day__lte=q.last)
        summed = rows.aggregate(p=Sum("plays"), m=Sum("ms"))
        return summed["p"] or 0, summed["m"] or 0
    summed = _listens(q).aggregate(p=Count("id"), m=Sum("duration_ms"))
    return summed["p"] or 0, summed["m"] or 0


def stats_activity(q: StatsQuery, *, bucket: str) -> list[Bucket]:
    """Plays and time per bucket of the range, every bucket present (zeros included)."""
    q = _resolved(q)
    if bucket == "clock":
        clock = _clock_counts(q)
        return [
            Bucket(
                f"{weekday}-{hour}", f"{WEEKDAYS[weekday]} {hour:02d}:00", *clock.get((weekday, hour), (0, 0))
            )
            for weekday in range(7)
            for hour in range(24)
        ]
    if bucket == "hour":
        hours = _hour_counts(q)
        first, last = _span(q, {day: (0, 0) for day, *_ in hours.values()})
        out = []
        for hour_start, _day, _hour in hour_starts(
            _midnight(q, first), _midnight(q, last + timedelta(days=1)), q.tz
        ):
            local = hour_start.astimezone(q.tz)
            _, _, plays, ms = hours.get(hour_start, (None, None, 0, 0))
            out.append(Bucket(local.isoformat(), local.strftime("%a %d %b %H:%M (UTC%z)"), plays, ms))
        return out
    days = _day_counts(q)
    first, last = _span(q, days)
    if bucket == "weekday":
        sums = [[0, 0] for _ in range(7)]
        for day, (plays, ms) in days.items():
            sums[day.weekday()][0] += plays
            sums[day.weekday()][1] += ms
        return [Bucket(str(n), WEEKDAYS[n], *sums[n]) for n in range(7)]
    if bucket == "day":
        return [
            Bucket(day.isoformat(), day.strftime("%a %d %b %Y"), *days.get(day, (0, 0)))
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        ]
    grouped: Counter[date] = Counter()
    grouped_ms: Counter[date] = Counter()
    head = _month_start if bucket == "month" else (lambda day: day - timedelta(days=day.weekday()))
    for day, (plays, ms) in days.items():
        grouped[head(day)] += plays
        grouped_ms[head(day)] += ms
    out = []
    cursor = head(first)
    while cursor <= last:
        if bucket == "month":
            out.append(
                Bucket(
                    cursor.strftime("%Y-%m"), cursor.strftime("%b %Y"), grouped[cursor], grouped_ms[cursor]
                )
            )
            cursor = _next_month(cursor)
        else:
            label = f"Week of {cursor.strftime('%d %b %Y')}"
            out.append(Bucket(cursor.isoformat(), label, grouped[cursor], grouped_ms[cursor]))
            cursor += timedelta(days=7)
    return out


def _streaks(days: list[date]) -> list[Streak]:
    runs: list[Streak] = []
    for day in sorted(days):
        if runs and runs[-1].last + timedelta(days=1) == day:
            runs[-1] = Streak(runs[-1].first, day, runs[-1].days + 1)
        else:
            runs.append(Streak(day, day, 1))
    return runs


def _distinct(q: StatsQuery, kind: str) -> int:
    if not _tables_answer(q):
        return _listen_item_rows(_listens(q), kind).count()
    cut = NO_PIECES if q.all_time else pieces(q.first, q.last)
    single = _single_period(q, kind, cut)
    if single is not None:
        return single.count()
    summed = _table_filter(q, kind, cut.years, cut.months).values("name", "artist").distinct()
    if q.all_time or not cut.day_runs:
        return summed.count()
    names: set[tuple[str, str]] = (
        set(summed.values_list("name", "artist")) if cut.years or cut.months else set()
    )
    for first, last in cut.day_runs:
        window = _listens(q, _midnight(q, first), _midnight(q, last + timedelta(days=1)))
        names.update(
            (name, artist) for name, artist, _, _ in _as_item_rows(_listen_item_rows(window, kind), kind)
        )
    return len(names)


def _new_artists(q: StatsQuery) -> int:
    """Artists whose first play ever (from the chosen sources) falls in the range."""
    if _tables_answer(q):
        firsts = (
            _sourced(StatsItem, q)
            .filter(kind=StatsItem.Kind.ARTIST, level=StatsItem.Level.ALL)
            .values("name")
            .annotate(first=Min("first_played_at"))
        )
    else:
        every = replace(q, all_time=True)
        firsts = _listens(every).values("artist").annotate(first=Min("played_at"))
    if not q.all_time:
        firsts = firsts.filter(first__gte=q.start, first__lt=q.end)
    return firsts.count()


def stats_summary(q: StatsQuery) -> Summary:
    q = _resolved(q)
    days = _day_counts(q)
    plays = sum(count for count, _ in days.values())
    bounds = _listens(q).aggregate(first=Min("played_at"), last=Max("played_at"))
    runs = _streaks(list(days))
    longest = max(runs, key=lambda run: (run.days, -run.first.toordinal()), default=None)
    today = timezone.now().astimezone(q.tz).date()
    current = next(
        (run for run in reversed(runs) if run.last >= today - timedelta(days=1) and run.last <= today), None
    )
    busiest = max(days.items(), key=lambda item: (item[1][0], -item[0].toordinal()), default=None)
    return Summary(
        plays=plays,
        ms=sum(ms for _, ms in days.values()),
        artists=_distinct(q, "artist"),
        tracks=_distinct(q, "track"),
        albums=_distinct(q, "album"),
        first_play=bounds["first"],
        last_play=bounds["last"],
        longest_streak=longest,
        current_streak=current,
        busiest_day=DayCount(busiest[0], busiest[1][0]) if busiest else None,
        new_artists=_new_artists(q),
    )


def stats_year(
    *,
    user: User,
    year: int,
    sources: tuple[str, ...] = (),
    collapse: bool = False,
    tz: ZoneInfo | None = None,
) -> YearReview:
    """A year in review: the summary, the top 5 of each kind, the months, and each month's artist."""
    tz = tz or user_zone(user)
    q = _resolved(
        StatsQuery(user.pk, tz, date(year, 1, 1), date(year, 12, 31), tuple(sources), collapse, str(year))
    )
    artist_of_month = []
    for number in range(1, 13):
        first = date(year, number, 1)
        month = replace(q, first=first, last=_next_month(first) - timedelta(days=1))
        best = _items(month, "artist", "plays", 1)
        artist_of_month.append(
            MonthArtist(first.strftime("%Y-%m"), best[0][0] if best else None, best[0][2] if best else 0)
        )
    return YearReview(
        year=year,
        summary=stats_summary(q),
        top_artists=stats_top(q, kind="artists", limit=5),
        top_tracks=stats_top(q, kind="tracks", limit=5),
        top_albums=stats_top(q, kind="albums", limit=5),
        months=stats_activity(q, bucket="month"),
        artist_of_month=artist_of_month,
    )
