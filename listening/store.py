"""Storing a page of listens: one `INSERT … ON CONFLICT DO UPDATE` for the page, never a query per track.

A listen already stored (same user, title, artist and played_at) is updated with what can change:
`loved` and `streamable`, thumbnails that are now known, and MBIDs that were empty.

On PostgreSQL the page travels as one array per column (`unnest`), so the statement is short and
has the same 26 parameters whatever the page size (psycopg caches it), and `RETURNING (xmax = 0)`
tells new rows from updated ones. Elsewhere (SQLite) it is a multi-row `VALUES` list, and one
SELECT finds which rows existed. The ids of the rows actually inserted are logged for the stats'
summary tables (listening.stats.tally) in the same transaction; a re-imported row changes no count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from listening.importers import ListenRow
from listening.models import Listen
from listening.stats.tally import (
    PLAYED_FIELDS,
    Played,
    stats_listens_added,
    stats_listens_removed,
)

BATCH = 500
COLUMNS = list(ListenRow.__dataclass_fields__)
_TABLE = Listen._meta.db_table
_KEY = ("user_id", "title", "artist", "played_at")
# PostgreSQL array types of the ListenRow columns, for `unnest`.
_PG_TYPES = {"played_at": "timestamptz", "duration_ms": "int", "loved": "bool", "streamable": "bool"}
# JSON columns travel as text (psycopg adapts no dict inside an array) and are cast back in the SELECT.
_JSON_COLUMNS = frozenset({"additional_info"})


def _json_text(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _conflict_clause(quote, table: str) -> str:
    def keep_known(column: str) -> str:  # a value we had wins over a missing one
        return f"{quote(column)} = COALESCE(NULLIF({table}.{quote(column)}, ''), excluded.{quote(column)})"

    def take_new(column: str) -> str:  # a newly known value wins over what we had
        return f"{quote(column)} = COALESCE(NULLIF(excluded.{quote(column)}, ''), {table}.{quote(column)})"

    def same_source_wins(column: str) -> str:  # another source's copy of the play never resets it
        return (
            f"{quote(column)} = CASE WHEN {table}.{quote('source')} = excluded.{quote('source')} "
            f"THEN excluded.{quote(column)} ELSE {table}.{quote(column)} END"
        )

    updates = [
        same_source_wins("loved"),
        same_source_wins("streamable"),
        *(keep_known(column) for column in ("track_mbid", "artist_mbid", "album_mbid", "client")),
        # A retried submission keeps what the first one stored.
        f"{quote('additional_info')} = COALESCE({table}.{quote('additional_info')}, "
        f"excluded.{quote('additional_info')})",
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
    return f"ON CONFLICT ({', '.join(quote(c) for c in _KEY)}) DO UPDATE SET {', '.join(updates)}"


def _insert_head(quote, table: str) -> str:
    columns = ["user_id", *COLUMNS, "created_at", "updated_at"]
    return f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "


def _postgresql_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(_TABLE)
    arrays = ", ".join(f"%s::{_PG_TYPES.get(column, 'text')}[]" for column in COLUMNS)
    names = ", ".join(quote(column) for column in COLUMNS)
    selected = ", ".join(
        f"{quote(column)}::jsonb" if column in _JSON_COLUMNS else quote(column) for column in COLUMNS
    )
    return (
        _insert_head(quote, table)
        + f"SELECT %s, {selected}, %s, %s FROM unnest({arrays}) AS page({names}) "
        + _conflict_clause(quote, table)
        + f" RETURNING (xmax = 0), {quote('id')}, {quote('title')}, {quote('artist')}, {quote('played_at')}"
    )


def _values_sql(rows: int) -> str:
    quote = connection.ops.quote_name
    table = quote(_TABLE)
    placeholders = "(" + ", ".join(["%s"] * (len(COLUMNS) + 3)) + ")"
    return (
        _insert_head(quote, table)
        + f"VALUES {', '.join([placeholders] * rows)} "
        + _conflict_clause(quote, table)
    )


def _existing_keys(user_id: int, rows: list[ListenRow]) -> set[tuple[str, str, object]]:
    played = {row.played_at for row in rows}
    found = Listen.objects.filter(user_id=user_id, played_at__in=played).values_list(
        "title", "artist", "played_at"
    )
    return set(found)


def _store_postgresql(cursor, user_id: int, rows: list[ListenRow]) -> tuple[list[ListenRow], list[int]]:
    now = timezone.now()
    columns = [
        [_json_text(getattr(row, column)) for row in rows]
        if column in _JSON_COLUMNS
        else [getattr(row, column) for row in rows]
        for column in COLUMNS
    ]
    cursor.execute(_postgresql_sql(), [user_id, now, now, *columns])
    inserted = {
        (title, artist, played_at): pk for new, pk, title, artist, played_at in cursor.fetchall() if new
    }
    return [row for row in rows if row.key in inserted], list(inserted.values())


def _store_values(cursor, user_id: int, rows: list[ListenRow]) -> tuple[list[ListenRow], list[int]]:
    # Datetimes go in as Django would write them (on SQLite: naive UTC text, so lookups match).
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    played_at = COLUMNS.index("played_at")
    existing = _existing_keys(user_id, rows)
    params: list[object] = []
    for row in rows:
        values = [
            _json_text(getattr(row, column)) if column in _JSON_COLUMNS else getattr(row, column)
            for column in COLUMNS
        ]
        values[played_at] = adapt(row.played_at)
        params.extend([user_id, *values, now, now])
    cursor.execute(_values_sql(len(rows)), params)
    new = [row for row in rows if row.key not in existing]
    keys = {row.key for row in new}
    found = Listen.objects.filter(user_id=user_id, played_at__in={row.played_at for row in new}).values_list(
        "id", "title", "artist", "played_at"
    )
    return new, [pk for pk, *key in found if tuple(key) in keys]


_STAGING = "listening_listen_staging"


def _unique(rows: Iterable[ListenRow]) -> list[ListenRow]:
    unique: dict[tuple, ListenRow] = {}
    for row in rows:
        if row.title and row.artist and row.played_at is not None:
            unique[row.key] = row  # a page may repeat a key: the last one wins
    return list(unique.values())


def _store_copy(user_id: int, rows: list[ListenRow]) -> tuple[list[ListenRow], list[int]]:
    """PostgreSQL, big pages: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT.

    COPY sends the rows in psycopg's C code without a parameter per value, which is what limits the
    `unnest` statement on pages of thousands (its arrays are built value by value)."""
    quote = connection.ops.quote_name
    table = quote(_TABLE)
    names = ", ".join(quote(column) for column in COLUMNS)
    selected = ", ".join(quote(column) for column in COLUMNS)
    key = ", ".join(quote(column) for column in ("title", "artist", "played_at"))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {_STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        _json_text(getattr(row, column)) if column in _JSON_COLUMNS else getattr(row, column)
                        for column in COLUMNS
                    ]
                )
        cursor.execute(
            "WITH stored AS ("
            + _insert_head(quote, table)
            + f"SELECT %s, {selected}, %s, %s FROM {_STAGING} "
            + _conflict_clause(quote, table)
            + f" RETURNING (xmax = 0) AS inserted, {quote('id')}, {key}) "
            + f"SELECT {quote('id')}, {key} FROM stored WHERE inserted",
            [user_id, now, now],
        )
        inserted = {tuple(found[1:]): found[0] for found in cursor.fetchall()}
        cursor.execute(f"TRUNCATE {_STAGING}")
    return [row for row in rows if row.key in inserted], list(inserted.values())


def listens_store_page(*, user_id: int, rows: Iterable[ListenRow]) -> int:
    """`listens_store` for pages of thousands (file imports): the same rows, the same conflict rule,
    through COPY on PostgreSQL. Must run inside the caller's transaction."""
    ordered = _unique(rows)
    if not ordered:
        return 0
    if connection.vendor != "postgresql":
        return listens_store(user_id=user_id, rows=ordered)
    if not connection.in_atomic_block:
        raise RuntimeError("listens_store_page runs inside a transaction (its staging table lives in it)")
    new, ids = _store_copy(user_id, ordered)
    stats_listens_added(user_id, ids)
    return len(new)


def listens_store(*, user_id: int, rows: Iterable[ListenRow]) -> int:
    """Stores the rows; returns how many were new. Call inside the caller's transaction."""
    ordered = _unique(rows)
    if not ordered:
        return 0
    store = _store_postgresql if connection.vendor == "postgresql" else _store_values
    new = 0
    ids: list[int] = []
    with transaction.atomic(savepoint=False):  # the caller's transaction, or one of its own
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), BATCH):
                rows, new_ids = store(cursor, user_id, ordered[start : start + BATCH])
                new += len(rows)
                ids += new_ids
        stats_listens_added(user_id, ids)
    return new


def listens_delete(*, user_id: int, ids: Iterable[int]) -> int:
    """Deletes the user's listens among `ids` and counts them out of the stats tables, in one
    transaction; returns how many were deleted (another user's ids delete nothing)."""
    with transaction.atomic():
        locked = Listen.objects.select_for_update().filter(user_id=user_id, id__in=list(ids))
        rows = list(locked.values_list("id", *PLAYED_FIELDS))  # a concurrent delete waits, then finds none
        Listen.objects.filter(id__in=[row[0] for row in rows]).delete()
        stats_listens_removed(user_id, {row[0]: Played(*row[1:]) for row in rows})
    return len(rows)
