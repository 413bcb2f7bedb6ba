"""Reading a long history: `GET /music/get-stored-songs/` on page 1 against page 1,000.

    .venv/bin/python benchmarks/listen_read.py [--rows 1000000] [--users 10] [--deep-page 1000] [--rounds 25]

Creates a scratch database `musichub_bench_<pid>` on the PostgreSQL server (dropped at the end,
even on failure), migrates it, makes `--users` users with a DRF token each and COPYs `--rows`
listens into `listening_listen`, the users' plays interleaved in time (so one user's page is
spread over the table, as in real life), then `VACUUM (ANALYZE)`.

Through DRF's `APIClient` (the whole middleware, authentication, pagination and rendering stack,
no network), as the first user:

- follows `next` from page 1 to page `--deep-page` (untimed), as a client scrolling back would;
- times page 1 and that deep page in turn, one of each a round, `--rounds` rounds after a warm-up
  (the long setup happens once; only the measurements alternate), and prints each page's median
  and spread (min-max), the ratio deep/first of each round (median and spread) and the verdict on
  the median ratio (target ≤ 1.5x);
- prints the listens query's own time for both pages (EXPLAIN ANALYZE, median of five) and the
  index it uses; `--explain` prints the whole plans.

Cursor pages should cost the same at any depth; the ratio is what to compare across machines.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from common import (
    DEFAULT_SERVER_URL,
    Spread,
    add_rounds_option,
    copy_listens,
    interleaved,
    listen_rows,
    median,
    ratio_verdict,
    ratios,
    scratch_django,
    server_version,
)

if TYPE_CHECKING:
    from listening.importers import ListenRow

URL = "/music/get-stored-songs/"
PAGE_SIZE = 50  # StoredListenPagination.page_size
TARGET = 1.5  # page 1,000 costs at most half again what page 1 costs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER_URL, help="a PostgreSQL server (any database)"
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="listens in all (default 1000000)")
    parser.add_argument("--users", type=int, default=10, help="users sharing them (default 10)")
    parser.add_argument("--deep-page", type=int, default=1000, help="the deep page's number (default 1000)")
    add_rounds_option(parser, 25, "--repeat")
    parser.add_argument("--explain", action="store_true", help="print both pages' query plans")
    args = parser.parse_args()
    if args.deep_page < 2:
        parser.error("--deep-page must be 2 or more")
    if args.rows // args.users < args.deep_page * PAGE_SIZE:
        parser.error(
            f"page {args.deep_page} needs {args.deep_page * PAGE_SIZE:,} listens a user; "
            f"--rows {args.rows:,} over --users {args.users} gives {args.rows // args.users:,}"
        )
    with scratch_django(args.database_url) as database:
        run(args, database)


def run(args: argparse.Namespace, database: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from listening.models import Listen
    from users.models import User
    from users.services import api_token_issue

    users = [User.objects.create_user(email=f"listener{n}@musichub.local") for n in range(args.users)]
    _, key = api_token_issue(user=users[0])

    def rows_by_user() -> Iterator[tuple[int, ListenRow]]:
        for number, row in enumerate(listen_rows(args.rows, tracks=2000, listeners=len(users))):
            yield users[number % len(users)].pk, row

    started = time.perf_counter()
    loaded = copy_listens(Listen._meta.db_table, rows_by_user())
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Listen._meta.db_table}")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [Listen._meta.db_table])
        size = cursor.fetchone()[0]
    load_seconds = time.perf_counter() - started
    mine = Listen.objects.filter(user=users[0]).count()
    print(
        f"listen_read: {loaded:,} listens over {len(users)} users ({mine:,} for the one reading), "
        f"{size} with indexes, {server_version()}, scratch database {database}"
    )
    print(f"  loaded with COPY + VACUUM (ANALYZE) in {load_seconds:.1f} s")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    def get(url: str) -> dict:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response.json()

    first_url, deep_url = URL, URL
    started = time.perf_counter()
    for _ in range(args.deep_page - 1):
        deep_url = get(deep_url)["next"]
    walk_seconds = time.perf_counter() - started
    deep = get(deep_url)["results"]
    newer = Listen.objects.filter(user=users[0], played_at__gt=deep[0]["played_at"]).count()
    if len(deep) != PAGE_SIZE or newer != (args.deep_page - 1) * PAGE_SIZE:
        raise SystemExit(f"page {args.deep_page} is not where it should be: {len(deep)} rows after {newer:,}")
    print(
        f"  followed `next` {args.deep_page - 1:,} times in {walk_seconds:.1f} s "
        f"(untimed); page {args.deep_page:,} begins after {newer:,} newer listens"
    )

    for _ in range(3):  # warm-up: connection, caches, the first request's imports
        get(first_url)
        get(deep_url)

    def request(url: str):
        def side() -> float:
            started = time.perf_counter()
            response = client.get(url)
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            return seconds

        return side

    timings = interleaved({"first": request(first_url), "deep": request(deep_url)}, rounds=args.rounds)

    def listens_query(url: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            get(url)
        return next(query["sql"] for query in captured if 'FROM "listening_listen"' in query["sql"])

    def explain(query: str) -> tuple[float, str, list[str]]:
        runs = []
        with connection.cursor() as cursor:
            for _ in range(5):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}")
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                runs.append(plan[0]["Execution Time"])
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
            text = [line for (line,) in cursor.fetchall()]
        return median(runs), _scan(plan[0]["Plan"]), text

    print(f"  GET {URL}, {args.rounds} rounds, one of each page a round in turn; median [min-max]:")
    plans = {}
    for label, side, url in (("page 1", "first", first_url), (f"page {args.deep_page:,}", "deep", deep_url)):
        sql_ms, scan, plans[label] = explain(listens_query(url))
        spread = Spread.of([seconds * 1000 for seconds in timings[side]])
        print(f"  {label:<12} {spread.format('.2f')} ms   (its listens query: {sql_ms:.3f} ms, {scan})")
    per_round = ratios(timings["deep"], timings["first"])
    print(f"  deep / first, per round: {ratio_verdict(per_round, target=TARGET, at_least=False)}")
    if args.explain:
        for label, lines in plans.items():
            print(f"\n  {label}:")
            print("\n".join(f"    {line}" for line in lines))


def _scan(plan: dict) -> str:
    """The plan's scan of listening_listen, e.g. `Index Scan using listen_user_recent`."""
    if plan.get("Relation Name") == "listening_listen":
        index = plan.get("Index Name")
        return f"{plan['Node Type']} using {index}" if index else plan["Node Type"]
    for child in plan.get("Plans", []):
        found = _scan(child)
        if found:
            return found
    return ""


if __name__ == "__main__":
    main()
