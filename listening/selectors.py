from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet

from listening.models import ImportJob, Listen, Source, StatsItem, SyncJob
from listening.stats.tally import EVERY_SOURCE, stats_fold, stats_tables_zone
from users.models import User


def listen_list(*, user: User) -> QuerySet[Listen]:
    """The user's listens, newest first (the index `listen_user_recent` serves it)."""
    return Listen.objects.filter(user=user).order_by("-played_at", "-id")


def import_job_list(*, user: User, limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def sync_job_list(*, user: User, limit: int = 20) -> QuerySet[SyncJob]:
    return SyncJob.objects.filter(user=user).order_by("-created_at")[:limit]


def top_artists(*, user: User, limit: int) -> list[tuple[str, int]]:
    """The user's most played artists over their whole history, names lower-cased (as SQL LOWER), with plays.

    Read from the stats' all-time rows (one per artist and source, whatever the zone they were counted
    in), so it costs what the number of artists costs, not the number of plays; from the listens while
    the user's tables were never built.
    """
    plays: Counter[str] = Counter()
    rows: list[tuple[str, int]]
    if stats_tables_zone(user.pk) is not None and stats_fold(user.pk, at_most=50_000):
        rows = list(
            StatsItem.objects.filter(
                user=user, kind=StatsItem.Kind.ARTIST, level=StatsItem.Level.ALL, source=EVERY_SOURCE
            ).values_list("name", "plays")
        )
    else:
        rows = list(
            Listen.objects.filter(user=user).values_list("artist").annotate(plays=Count("*")).order_by()
        )
    for artist, count in rows:
        plays[artist.lower()] += count
    return plays.most_common(limit)


# --- The history page's keyset pages and charts ---------------------------------------------------

Cursor = tuple[datetime, int]  # (played_at, id) of the last listen shown


def listen_cursor_encode(listen: Listen) -> str:
    return f"{listen.played_at.astimezone(UTC).isoformat()}|{listen.pk}"


def listen_cursor_decode(value: str) -> Cursor | None:
    """The cursor a page handed out, or None for anything else (the first page is shown)."""
    stamp, _, pk = value.partition("|")
    try:
        played_at, listen_id = datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return None
    if played_at.tzinfo is None:
        played_at = played_at.replace(tzinfo=UTC)
    return played_at, listen_id


def listen_page(listens: QuerySet[Listen], *, before: Cursor | None, size: int) -> tuple[list[Listen], bool]:
    """A keyset page of `listens` (newest first) after `before`, and whether more follow: no OFFSET,
    so a deep page costs what the first does.

    The bound `played_at <= p` says nothing the OR does not, but it is what PostgreSQL can start the
    index scan at (`listen_user_recent`): with the OR alone it reads the index from the newest listen
    and filters, so page 1,000 read 41,000 buffers (benchmarks/README.md, the History deep scroll)."""
    if before is not None:
        played_at, listen_id = before
        listens = listens.filter(
            Q(played_at__lt=played_at) | Q(played_at=played_at, id__lt=listen_id), played_at__lte=played_at
        )
    rows = list(listens[: size + 1])
    return rows[:size], len(rows) > size


SPOTIFY_REACHABLE = 50  # Spotify's recently-played answers the last 50 plays, no more


def spotify_poll_interval(*, user: User, shortest: timedelta, longest: timedelta) -> timedelta:
    """How often this user's Spotify must be read so that no play falls out of the last 50.

    The last 50 plays took some time T; at that pace the next 50 take about as long, so reading
    every T/2 misses nothing, between `shortest` (the sweep) and `longest` (about the time anyone
    needs to play 50 short songs: a user idle for weeks may start listening all day).
    """
    recent = list(
        Listen.objects.filter(user=user, source=Source.SPOTIFY)
        .order_by("-played_at", "-id")
        .values_list("played_at", flat=True)[:SPOTIFY_REACHABLE]
    )
    if len(recent) < SPOTIFY_REACHABLE:
        return longest if recent else shortest  # a short history: a new user is read soon
    return min(longest, max(shortest, (recent[0] - recent[-1]) / 2))


def listen_window(
    *, user: User, after: datetime | None, before: datetime | None, count: int, fields: tuple[str, ...]
) -> list[dict]:
    """Up to `count` of the user's listens (every source) strictly between `after` and `before`, newest
    first, as rows of `fields`. With only `after`: the `count` just after it (a client paging forward
    misses none); otherwise the `count` newest before `before` (or now)."""
    listens = Listen.objects.filter(user=user)
    if after is not None:
        listens = listens.filter(played_at__gt=after)
    if before is not None:
        listens = listens.filter(played_at__lt=before)
    if after is not None and before is None:
        rows = list(listens.order_by("played_at", "id").values(*fields)[:count])
        rows.reverse()
        return rows
    return list(listens.order_by("-played_at", "-id").values(*fields)[:count])


def listen_bounds(*, user: User) -> tuple[datetime | None, datetime | None]:
    """The user's newest and oldest play."""
    bounds = Listen.objects.filter(user=user).aggregate(latest=Max("played_at"), oldest=Min("played_at"))
    return bounds["latest"], bounds["oldest"]


def listen_count(*, user: User) -> int:
    return Listen.objects.filter(user=user).count()
