"""Storing listens: `listens_store` (the path every import and sync takes) against a raw COPY.

    .venv/bin/python benchmarks/listen_ingest.py [--rows 100000] [--page 200] [--rounds 5]
        [--database-url URL]

Creates a scratch database `musichub_bench_<pid>` on the PostgreSQL server (dropped at the end,
even on failure), migrates it and makes one user's history of `--rows` plays of a few hundred
tracks. Then, `--rounds` times, one after the other in each round (so a burst of load on a shared
machine falls on both sides alike):

- the baseline: one `COPY … FROM STDIN` (psycopg 3's `cursor.copy()`) of the same rows, same
  columns, into `bench_copy`, a `LIKE listening_listen INCLUDING ALL` table: the same primary key,
  unique constraint and indexes, so both sides maintain the same indexes. A COPY into a table
  without any index is measured too, for reference;
- `listens_store` in pages of `--page` rows, each page in its own `transaction.atomic()`, as the
  sync job stores a provider's page (every row new);
- the same rows stored again (every row a conflict, so an update), as a re-run backfill does.

Each table is emptied (untimed) before its side runs. Prints, for each side, the median rows per
second and the spread (min-max) over the rounds, the store/COPY ratio of each round (median and
spread) and the verdict on the median ratio (target ≥ 0.2x COPY). The ratio is what to compare
across machines; the absolute figures are this machine's.
"""

from __future__ import annotations

import argparse
import time

from common import (
    DEFAULT_SERVER_URL,
    Spread,
    add_rounds_option,
    copy_listens,
    interleaved,
    listen_rows,
    ratio_verdict,
    ratios,
    scratch_django,
    server_version,
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
    add_rounds_option(parser, 5, "--repeat")
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

    def empty(into: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {into} RESTART IDENTITY CASCADE")

    def copy_side(into: str):
        def side() -> float:
            empty(into)
            started = time.perf_counter()
            copy_listens(into, pairs)
            return time.perf_counter() - started

        return side

    def store(expect_new: int) -> float:
        new = 0
        started = time.perf_counter()
        for start in range(0, len(rows), args.page):
            with transaction.atomic():
                new += listens_store(user_id=user.pk, rows=rows[start : start + args.page])
        seconds = time.perf_counter() - started
        stored = Listen.objects.filter(user=user).count()
        if new != expect_new or stored != len(rows):
            raise SystemExit(
                f"the store did not do the work: {new} new ({expect_new} expected) "
                f"and {stored} stored of {len(rows)}"
            )
        return seconds

    def store_new() -> float:
        empty(table)
        return store(len(rows))

    # In this order every round: the re-import stores again what the store side just stored.
    seconds = interleaved(
        {
            "copy": copy_side("bench_copy"),
            "bare": copy_side("bench_copy_bare"),
            "store": store_new,
            "again": lambda: store(0),
        },
        rounds=args.rounds,
    )

    def line(label: str, side: str, note: str = "") -> None:
        spread = Spread.of([len(rows) / value for value in seconds[side]])
        print(f"  {label:<34} {spread.format(',.0f'):>26} rows/s  {note}".rstrip())

    print(f"  {args.rounds} rounds, each side once a round in turn; rows/s: median [min-max]")
    line("COPY, same indexes (bench_copy)", "copy", "the baseline")
    line(
        "COPY, no index", "bare", f"{Spread.of(ratios(seconds['copy'], seconds['bare'])).format('.2f', 'x')}"
    )
    line(f"listens_store, pages of {args.page}", "store")
    line("re-import, all conflicts → updates", "again")
    stored = ratio_verdict(ratios(seconds["copy"], seconds["store"]), target=TARGET, at_least=True)
    again = Spread.of(ratios(seconds["copy"], seconds["again"])).format(".2f", "x")
    print(f"  store/COPY, per round:     {stored}")
    print(f"  re-import/COPY, per round: {again}")


if __name__ == "__main__":
    main()
