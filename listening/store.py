"""Storing a page of listens: one `INSERT … ON CONFLICT DO UPDATE` for the page, never a query per track.

A listen already stored (same user, title, artist and played_at) is updated with what can change:
`loved` and `streamable`, thumbnails that are now known, and MBIDs that were empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from listening.importers import ListenRow
from listening.models import Listen

BATCH = 500
COLUMNS = list(ListenRow.__dataclass_fields__)
_TABLE = Listen._meta.db_table
_KEY = ("user_id", "title", "artist", "played_at")


def _upsert_sql(rows: int) -> str:
    quote = connection.ops.quote_name
    table = quote(_TABLE)
    columns = ["user_id", *COLUMNS, "created_at", "updated_at"]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"

    def keep_known(column: str) -> str:  # a value we had wins over a missing one
        return f"{quote(column)} = COALESCE(NULLIF({table}.{quote(column)}, ''), excluded.{quote(column)})"

    def take_new(column: str) -> str:  # a newly known value wins over what we had
        return f"{quote(column)} = COALESCE(NULLIF(excluded.{quote(column)}, ''), {table}.{quote(column)})"

    updates = [
        f"{quote('loved')} = excluded.{quote('loved')}",
        f"{quote('streamable')} = excluded.{quote('streamable')}",
        *(keep_known(column) for column in ("track_mbid", "artist_mbid", "album_mbid")),
        *(
            take_new(column)
            for column in (
                "album_thumbnail",
                "album_thumbnail_small",
                "album_thumbnail_medium",
                "album_thumbnail_large",
                "album_thumbnail_extralarge",
                "artist_lastfm_url",
            )
        ),
        f"{quote('updated_at')} = excluded.{quote('updated_at')}",
    ]
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - quoted identifiers
        f"VALUES {', '.join([placeholders] * rows)} "
        f"ON CONFLICT ({', '.join(quote(c) for c in _KEY)}) DO UPDATE SET {', '.join(updates)}"
    )


def _existing_keys(user_id: int, rows: list[ListenRow]) -> set[tuple[str, str, object]]:
    played = {row.played_at for row in rows}
    found = Listen.objects.filter(user_id=user_id, played_at__in=played).values_list(
        "title", "artist", "played_at"
    )
    return set(found)


def listens_store(*, user_id: int, rows: Iterable[ListenRow]) -> int:
    """Stores the rows; returns how many were new. Call inside the caller's transaction."""
    unique: dict[tuple, ListenRow] = {}
    for row in rows:
        if row.title and row.artist and row.played_at is not None:
            unique[row.key] = row  # a page may repeat a key: the last one wins
    if not unique:
        return 0
    ordered = list(unique.values())
    new = 0
    # Datetimes go in as Django would write them (on SQLite: naive UTC text, so lookups match).
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    played_at = COLUMNS.index("played_at")
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), BATCH):
            batch = ordered[start : start + BATCH]
            existing = _existing_keys(user_id, batch)
            new += sum(1 for row in batch if row.key not in existing)
            params: list[object] = []
            for row in batch:
                values = [getattr(row, column) for column in COLUMNS]
                values[played_at] = adapt(values[played_at])
                params.extend([user_id, *values, now, now])
            cursor.execute(_upsert_sql(len(batch)), params)
    return new
