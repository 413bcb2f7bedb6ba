"""Storing listens: `listens_store` (the path every import and sync takes) against a raw COPY.

    .venv/bin/python benchmarks/listen_ingest.py [--rows 100000] [--page 200] [--database-url URL]

Creates a scratch database `musichub_bench_<pid>` on the PostgreSQL server (dropped at the end,
even on failure), migrates it and makes one user's history of `--rows` plays of a few hundred
tracks. Then times, in this order:

- the baseline: one `COPY … FROM STDIN` (psycopg 3's `cursor.copy()`) of the same rows, same
  columns, into `bench_copy`, a `LIKE listening_listen INCLUDING ALL` table: the same primary key,
  unique constraint and indexes, so both sides maintain the same indexes. Median of `--repeat`
  runs. A COPY into a table without any index is printed too, for reference;
- `listens_store` in pages of `--page` rows, each page in its own `transaction.atomic()`, as the
  sync job stores a provider's page (every row new);
- the same rows stored again (every row a conflict, so an update), as a re-run backfill does.

Prints rows per second for each and the store/COPY ratio next to its target (≥ 0.2x COPY).
The ratio is what to compare across machines; the absolute figures are this machine's.
"""

from __future__ import annotations

import argparse
import time

from common import (
    DEFAULT_SERVER_URL,
    copy_listens,
    listen_rows,
    median,
    scratch_django,
    server_version,
    verdict,
)

TARGET = 0.2  # the store path stores at least a fifth as many rows a second as COPY


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER_URL, help="a PostgreSQL server (any database)"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="listens to store (default 100000)")
    parser.add_argument("--tracks", type=int, default=300, help="distinct tracks among them (default 300)")
    parser.add_argument("--page", type=int, default=200, help="rows per transaction (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="COPY runs; the median counts (default 3)")
    args = parser.parse_args()
    with scratch_django(args.database_url) as database:
        run(args, database)


def run(args: argparse.Namespace, database: str) -> None:
    from django.db import connection, transaction

    from listening.models import Listen
    from listening.store import listens_store
    from users.models import User

    user = User.objects.create_user(email="bench@musichub.local")
    rows = list(listen_rows(args.rows, tracks=args.tracks))
    pairs = [(user.pk, row) for row in rows]
    print(
        f"listen_ingest: {len(rows):,} listens of {args.tracks} tracks for one user, "
        f"{server_version()}, scratch database {database}"
    )

    table = Listen._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"CREATE TABLE bench_copy_bare (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)")

    def copy_seconds(into: str) -> float:
        runs = []
        for _ in range(args.repeat):
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {into} RESTART IDENTITY")
            started = time.perf_counter()
            copy_listens(into, pairs)
            runs.append(time.perf_counter() - started)
        return median(runs)

    def store_seconds() -> tuple[float, int]:
        new = 0
        started = time.perf_counter()
        for start in range(0, len(rows), args.page):
            with transaction.atomic():
                new += listens_store(user_id=user.pk, rows=rows[start : start + args.page])
        return time.perf_counter() - started, new

    copy = copy_seconds("bench_copy")
    bare = copy_seconds("bench_copy_bare")
    stored, new = store_seconds()
    stored_count = Listen.objects.filter(user=user).count()
    again, new_again = store_seconds()
    if new != len(rows) or stored_count != len(rows) or new_again != 0:
        raise SystemExit(
            f"the store did not do the work: {new} new and {stored_count} stored of {len(rows)}, "
            f"then {new_again} new on the re-import (0 expected)"
        )

    def line(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<34} {seconds:7.2f} s  {len(rows) / seconds:>9,.0f} rows/s  {note}".rstrip())

    print(f"  baseline: COPY of the same {len(rows):,} rows, median of {args.repeat}")
    line("COPY, same indexes (bench_copy)", copy, "1.00x (the baseline)")
    line("COPY, no index", bare, f"{copy / bare:.2f}x")
    ratio = copy / stored
    line(
        f"listens_store, pages of {args.page}",
        stored,
        f"{ratio:.2f}x COPY  (target ≥ {TARGET}x: {verdict(ratio >= TARGET)})",
    )
    line("re-import, all conflicts → updates", again, f"{copy / again:.2f}x COPY")


if __name__ == "__main__":
    main()
