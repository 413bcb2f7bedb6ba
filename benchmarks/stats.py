"""Listening stats over HTTP at 100,000 and 1,000,000 listens, the History page's deep scroll, and Maloja.

    .venv/bin/python benchmarks/stats.py [--small 100000] [--large 1000000] [--rounds 15] [--no-maloja]

Creates `musichub_bench_<pid>` on the PostgreSQL server (dropped at the end, even on failure) with two
listeners: one with `--small` listens, one with `--large`, each ten years of a generated history
(stats_data.py: 2,000 Zipf-like artists, 20,000 tracks, about 3,300 albums, daily and weekly rhythm,
Last.fm then Spotify and a few ListenBrainz scrobbles), COPYed in, then the summary tables built as
the product builds them (`listening.stats.rebuild.stats_rebuild_user`, the job a zone change runs),
then `VACUUM (ANALYZE)`.

Starts `make serve` on it as load.py does (gunicorn with uvicorn workers, `DEBUG=false`, Redis db 13)
and times, over HTTP with keep-alive, `--rounds` rounds after a warm-up, each round every endpoint
once for each listener in turn: the top 10 artists (all time, a year, a month), the year in review,
activity by month (all time), the summary (all time), the home page and made-for-you. Prints each
one's median at both sizes and the ratio large/small per round (median and spread). Targets: the
all-time top 10 artists ≤ 30 ms at 1,000,000; every stats endpoint's ratio ≤ 1.5x; the home page
and made-for-you flat (≤ 1.5x too).

The History page's endless scroll, on the large listener: follows the `before=` cursor of the rows
partial (`HX-Request`) `--deep-page` - 1 times, then times page 1 (a cursor above the newest listen:
the same request at the top) against that deep page in turn; and prints EXPLAIN (ANALYZE, BUFFERS)
of the page's listens query at that depth with `listen_page` as it is and with the form before the
fix (`played_at < p OR (played_at = p AND id < i)` alone).

Maloja (unless `--no-maloja`): the small listener's listens as a ghan JSON, `maloja import`, then its
server (`maloja run`) twice: with its global cache off, `/apis/mlj_1/charts/artists` (all time)
`--rounds` times; with it on (its default), the first request after start and then repeated.
MusicHub's all-time top 10 at the same size is printed as a ratio to each. Maloja is found or
installed as import.py does (benchmarks/.maloja-venv).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import stats_data
from common import (
    DEFAULT_SERVER_URL,
    Spread,
    _with_database,
    copy_listens,
    median,
    ratio_verdict,
    ratios,
    scratch_django,
    server_version,
    verdict,
)
from load import free_port, start, stop

ZONE = "Europe/Berlin"
TOP_ALL_TIME_MS = 30.0  # the all-time top 10 artists at 1,000,000 listens
RATIO = 1.5  # large / small, every endpoint
PAGE_SIZE = 50  # web.history.PAGE_SIZE
HX = {"HX-Request": "true"}


def _user(email: str):
    from users.models import User

    user = User.objects.create_user(email=email)
    User.objects.filter(pk=user.pk).update(time_zone=ZONE)  # chosen, so no page load changes it
    user.refresh_from_db()
    return user


class Listener:
    """One scratch user: its size, DRF token and session cookie."""

    def __init__(self, label: str, user, token: str, session: str) -> None:
        self.label, self.user, self.token, self.session = label, user, token, session

    def headers(self, *, page: bool) -> dict[str, str]:
        if page:
            return {"Cookie": f"sessionid={self.session}"}
        return {"Authorization": f"Token {self.token}"}


def fill(args: argparse.Namespace, end: date) -> tuple[dict[str, Listener], list]:
    """The two listeners and their listens; returns them and the small one's rows (for Maloja)."""
    from django.db import connection
    from django.test import Client

    from listening.models import Listen
    from listening.stats.rebuild import stats_rebuild_user
    from users.services import api_token_issue

    shape = stats_data.catalog()
    listeners: dict[str, Listener] = {}
    small_rows: list = []
    for label, count, seed in (("small", args.small, 1), ("large", args.large, 2)):
        user = _user(f"stats-{label}@musichub.local")
        _, key = api_token_issue(user=user)
        browser = Client()
        browser.force_login(user)
        listeners[label] = Listener(label, user, key, browser.cookies["sessionid"].value)

        started = time.perf_counter()
        rows = stats_data.plays(count, end=end, seed=seed, shape=shape)
        if label == "small":
            rows = small_rows = list(rows)
        copied = copy_listens(Listen._meta.db_table, ((user.pk, row) for row in rows))
        copy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        counted = stats_rebuild_user(user.pk)
        if counted != copied:
            raise SystemExit(f"the rebuild counted {counted:,} plays of {copied:,}")
        print(
            f"  {label}: {copied:,} listens generated and COPYed in {copy_seconds:.1f} s; summary tables "
            f"built (stats_rebuild_user, zone {ZONE}) in {time.perf_counter() - started:.1f} s"
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'listening_stats%%' "
            "ORDER BY relname"
        )
        tables = ", ".join(f"{name} {rows:,}" for name, rows in cursor.fetchall())
    seconds = time.perf_counter() - started
    print(f"  VACUUM (ANALYZE) in {seconds:.1f} s; summary rows (pg_stat estimates): {tables}")
    return listeners, small_rows


def server_env(args: argparse.Namespace, database_url: str, scratch: Path, port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    (scratch / "prometheus").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "MEDIA_ROOT": str(scratch / "media"),
        "STATIC_ROOT": str(scratch / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_WORKERS": "2",
        "CELERY_WORKER_CONCURRENCY": "1",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(scratch / "celerybeat-schedule"),
        "LISTENING_SYNC_MINUTES": "0",
        "LOG_LEVEL": "WARNING",
        "WEB_BIND": f"127.0.0.1:{port}",
        "PGAPPNAME": f"musichub-stats-{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "prometheus"),
    }


def endpoints(end: date) -> dict[str, tuple[str, bool]]:
    """name: (path, is a page that needs the session rather than the token)."""
    year = end.year - 1  # the last whole year
    month_end = end.replace(day=1) - timedelta(days=1)  # the last whole month
    month = f"from={month_end.replace(day=1)}&to={month_end}"
    return {
        "top artists, all time": ("/music/stats/top/?kind=artists&range=all_time&limit=10", False),
        f"top artists, {year}": (f"/music/stats/top/?kind=artists&from={year}-01-01&to={year}-12-31", False),
        f"top artists, {month_end:%b %Y}": (f"/music/stats/top/?kind=artists&{month}", False),
        f"year in review {year}": (f"/music/stats/year/{year}/", False),
        "activity by month, all time": ("/music/stats/activity/?bucket=month&range=all_time", False),
        "summary, all time": ("/music/stats/summary/?range=all_time", False),
        "home page": ("/", True),
        "made-for-you": ("/api/songs/made-for-you/", False),
    }


def check(http: httpx.Client, listener: Listener, path: str, page: bool) -> httpx.Response:
    response = http.get(path, headers=listener.headers(page=page))
    if response.status_code != 200:
        raise SystemExit(
            f"GET {path} as {listener.label} answered {response.status_code}: {response.text[:300]}"
        )
    return response


def timed_get(http: httpx.Client, listener: Listener, path: str, page: bool, extra: dict | None = None):
    headers = {**listener.headers(page=page), **(extra or {})}

    def side() -> float:
        started = time.perf_counter()
        response = http.get(path, headers=headers)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {path} as {listener.label} answered {response.status_code}")
        return seconds

    return side


def check_top(http: httpx.Client, listener: Listener, path: str) -> None:
    """The all-time top artist and its plays are the listens' own (a GROUP BY here)."""
    from django.db.models import Count

    from listening.models import Listen

    body = check(http, listener, path, False).json()
    items = body["results"] if isinstance(body, dict) and "results" in body else body
    if isinstance(items, dict):
        items = items.get("items", items)
    expected = (
        Listen.objects.filter(user=listener.user)
        .values("artist")
        .annotate(n=Count("id"))
        .order_by("-n", "artist")
        .values_list("artist", "n")[:1]
    )
    name, plays = expected[0]
    if len(items) != 10 or items[0]["name"] != name or items[0]["plays"] != plays:
        raise SystemExit(f"{path} as {listener.label}: {items[:2]!r}, expected {name!r} with {plays}")


def measure_endpoints(args, http: httpx.Client, listeners: dict[str, Listener], end: date) -> dict:
    paths = endpoints(end)
    top_all = paths["top artists, all time"][0]
    for listener in listeners.values():
        check_top(http, listener, top_all)
    sides: dict[str, Callable[[], float]] = {}
    for name, (path, page) in paths.items():
        for size, listener in listeners.items():
            sides[f"{name}|{size}"] = timed_get(http, listener, path, page)
    for _ in range(3):  # warm-up: connections, imports, caches of both workers
        for side in sides.values():
            side()
    seconds = interleaved_shuffled(sides, rounds=args.rounds)
    print(
        f"\n  {args.rounds} rounds, each endpoint once a round for each listener in turn; "
        f"ms median [min-max]; "
        f"ratio {args.large // 1000:,}k/{args.small // 1000:,}k per round"
    )
    print(f"  {'endpoint':<30} {f'{args.small:,}':>22} {f'{args.large:,}':>22}   ratio")
    results = {}
    for name in paths:
        small, large = seconds[f"{name}|small"], seconds[f"{name}|large"]
        ms_small = Spread.of([s * 1000 for s in small])
        ms_large = Spread.of([s * 1000 for s in large])
        per_round = ratios(large, small)
        results[name] = (ms_small, ms_large, per_round)
        print(
            f"  {name:<30} {ms_small.format('.1f'):>22} {ms_large.format('.1f'):>22}   "
            f"{ratio_verdict(per_round, target=RATIO, at_least=False)}"
        )
    floor = Spread.of(
        [timed_get(http, listeners["small"], "/health/", False)() * 1000 for _ in range(args.rounds)]
    )
    print(
        f"  {'the floor: GET /health/':<30} {floor.format('.1f'):>22}   "
        "(a database and a cache ping, no stats)"
    )
    in_process = {}
    for size, listener in listeners.items():
        in_process[size] = selector_ms(listener.user, args.rounds)
    print(
        f"  the all-time top 10 in-process (stats_query + stats_top, no HTTP): "
        f"{in_process['small'].format('.1f')} ms at {args.small:,}, "
        f"{in_process['large'].format('.1f')} ms at {args.large:,}"
    )
    year_parts(listeners, end.year - 1, 5)
    top = results["top artists, all time"][1].median
    print(
        f"  top artists, all time at {args.large:,}: {top:.1f} ms  target ≤ {TOP_ALL_TIME_MS:.0f} ms: "
        f"{verdict(top <= TOP_ALL_TIME_MS)}"
    )
    return results


def year_parts(listeners: dict[str, Listener], year: int, rounds: int) -> None:
    """Where the year in review's time goes, in-process: each selector it calls, at both sizes."""
    from django.db import connection

    from listening.stats import selectors
    from listening.stats.query import StatsQuery
    from users.selectors import user_zone

    def parts(user) -> dict[str, Callable[[], object]]:
        tz = user_zone(user)
        q = StatsQuery(user.pk, tz, date(year, 1, 1), date(year, 12, 31), (), False, str(year))
        return {
            "summary": lambda: selectors.stats_summary(q),
            "top 5 artists": lambda: selectors.stats_top(q, kind="artists", limit=5),
            "top 5 tracks": lambda: selectors.stats_top(q, kind="tracks", limit=5),
            "top 5 albums": lambda: selectors.stats_top(q, kind="albums", limit=5),
            "months": lambda: selectors.stats_activity(q, bucket="month"),
            "whole review": lambda: selectors.stats_year(user=user, year=year, tz=tz),
        }

    measured = {size: parts(listener.user) for size, listener in listeners.items()}
    times: dict[str, dict[str, list[float]]] = {
        size: {name: [] for name in measured[size]} for size in measured
    }
    for number in range(rounds + 1):
        for size, functions in measured.items():
            for name, function in functions.items():
                started = time.perf_counter()
                function()
                if number:  # the first round warms up
                    times[size][name].append((time.perf_counter() - started) * 1000)
    connection.close()
    print(f"  the year in review {year} in-process, by part (ms, median of {rounds}):")
    for name in measured["small"]:
        small, large = median(times["small"][name]), median(times["large"][name])
        print(f"    {name:<16} {small:8.1f} {large:8.1f}   {large / small:.2f}x")


def selector_ms(user, rounds: int) -> Spread:
    from django.db import connection

    from listening.stats.params import stats_query
    from listening.stats.selectors import stats_top

    times = []
    for _ in range(rounds + 2):
        started = time.perf_counter()
        stats_top(stats_query(user=user, data={"range": "all_time"}), kind="artists", limit=10)
        times.append((time.perf_counter() - started) * 1000)
    connection.close()  # the server's workers hold theirs; this one is idle until the History EXPLAIN
    return Spread.of(times[2:])


def interleaved_shuffled(sides: dict[str, Callable[[], float]], *, rounds: int) -> dict[str, list[float]]:
    """common.interleaved, with each round's order rotated so no side always follows the same one."""
    names = list(sides)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            seconds[name].append(sides[name]())
    return seconds


# --- The History page's endless scroll ------------------------------------------------------------

_BEFORE = re.compile(r"before=([^\"&]+)")


def measure_history(args, http: httpx.Client, listener: Listener) -> None:
    from listening.models import Listen
    from listening.selectors import listen_cursor_encode

    headers = listener.headers(page=True)
    newest = Listen.objects.filter(user=listener.user).order_by("-played_at", "-id").first()
    above = Listen(pk=0, played_at=newest.played_at + timedelta(seconds=1))  # a cursor above the newest
    first_url = f"/history?{urlencode({'before': listen_cursor_encode(above)})}"
    first_rows = check(http, listener, first_url, True).text  # the full page's rows and charts
    if f'data-id="{newest.pk}"' not in first_rows:
        raise SystemExit("page 1 does not start at the newest listen")
    url = first_url
    started = time.perf_counter()
    for _ in range(args.deep_page - 1):
        found = _BEFORE.findall(http.get(url, headers={**headers, **HX}).text)
        if not found:
            raise SystemExit(f"no next cursor after {url}")
        url = f"/history?before={found[-1]}"
    walk = time.perf_counter() - started
    deep_cursor = httpx.URL(url).params["before"]
    stamp = deep_cursor.partition("|")[0]
    newer = Listen.objects.filter(user=listener.user, played_at__gt=stamp).count()
    expected = (args.deep_page - 1) * PAGE_SIZE
    if abs(newer - expected) > 1:
        raise SystemExit(f"page {args.deep_page} starts after {newer:,} listens, not {expected:,}")
    print(
        f"\n  History's endless scroll ({listener.label}, "
        f"{Listen.objects.filter(user=listener.user).count():,} "
        f"listens): followed before= {args.deep_page - 1:,} times in {walk:.1f} s (untimed); page "
        f"{args.deep_page:,} begins after {newer:,} newer listens"
    )
    sides = {
        "page 1": timed_get(http, listener, first_url, True, HX),
        "deep": timed_get(http, listener, url, True, HX),
    }
    for _ in range(3):
        for side in sides.values():
            side()
    seconds = interleaved_shuffled(sides, rounds=args.rounds)
    first, deep = (
        Spread.of([s * 1000 for s in seconds["page 1"]]),
        Spread.of([s * 1000 for s in seconds["deep"]]),
    )
    print(f"  GET /history rows (HX-Request), {args.rounds} rounds in turn; ms median [min-max]:")
    print(f"  page 1 {first.format('.1f')} ms, page {args.deep_page:,} {deep.format('.1f')} ms")
    print(
        f"  deep / first, per round: "
        f"{ratio_verdict(ratios(seconds['deep'], seconds['page 1']), target=RATIO, at_least=False)}"
    )
    explain_history(listener, url)


def _old_listen_page(listens, *, before, size):
    """listening.selectors.listen_page before the fix: the OR alone, no bound on played_at."""
    from django.db.models import Q

    if before is not None:
        played_at, listen_id = before
        listens = listens.filter(Q(played_at__lt=played_at) | Q(played_at=played_at, id__lt=listen_id))
    rows = list(listens[: size + 1])
    return rows[:size], len(rows) > size


def explain_history(listener: Listener, url: str) -> None:
    """The page's listens query at that depth, as the view runs it (its real filters), with the fixed
    listen_page and with the old one swapped in."""
    from unittest import mock

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    browser = Client()
    browser.force_login(listener.user)

    def query(page_function) -> str:
        with mock.patch("web.history.listen_page", page_function), CaptureQueriesContext(connection) as seen:
            response = browser.get(url, headers=HX)
        assert response.status_code == 200, response.status_code
        return next(
            q["sql"] for q in seen if 'FROM "listening_listen"' in q["sql"] and "LIMIT 51" in q["sql"]
        )

    from listening.selectors import listen_page

    print("  EXPLAIN (ANALYZE, BUFFERS) of the page's listens query at that depth, median of 5:")
    for label, function in (
        ("before the fix (OR alone)", _old_listen_page),
        ("now (played_at <= p)", listen_page),
    ):
        sql = query(function)
        times, buffers, condition = [], 0, ""
        with connection.cursor() as cursor:
            for _ in range(5):
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                times.append(plan[0]["Execution Time"])
                top = plan[0]["Plan"]
                buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
                scan = _scan(top)
                condition = f"{scan.get('Index Name')}: Index Cond {scan.get('Index Cond')}, " + (
                    f"{scan.get('Rows Removed by Filter', 0):,} rows removed by the filter"
                )
        print(f"    {label:<28} {median(times):8.3f} ms, {buffers:,} buffers; {condition}")


def _scan(plan: dict) -> dict:
    if plan.get("Relation Name") == "listening_listen":
        return plan
    for child in plan.get("Plans", []):
        found = _scan(child)
        if found:
            return found
    return {}


# --- Maloja --------------------------------------------------------------------------------------


def maloja_compare(args, rows: list, folder: Path, musichub_top_ms: float) -> None:
    finder = importlib.import_module("import")  # benchmarks/import.py: find or install Maloja
    maloja = args.maloja or finder.find_maloja(install=True)
    if maloja is None or not Path(maloja).exists():
        print("\n  Maloja: not available (could not be installed); MusicHub's figures alone")
        return
    data = folder / "maloja-data"
    data.mkdir()
    ghan = folder / "recenttracks-bench.json"  # Maloja tells the format by the name
    stats_data.ghan_json(ghan, rows)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE", "REDIS"))},
        "MALOJA_DATA_DIRECTORY": str(data),
        "MALOJA_SKIP_SETUP": "yes",
        "MALOJA_HOST": "127.0.0.1",
        "MALOJA_METADATA_PROVIDERS": "[]",
        "MALOJA_PROXY_IMAGES": "no",
        "MALOJA_FORCE_PASSWORD": secrets.token_urlsafe(12),
    }
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - Maloja's own command on a file this script wrote
        [str(maloja), "import", str(ghan)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        input="y\n" * 5,
    )
    if done.returncode != 0:
        print(f"\n  Maloja import failed: {(done.stdout + done.stderr)[-800:]}")
        return
    imported = re.search(r"Successfully imported (\d+) scrobbles", done.stdout + done.stderr)
    if not imported or int(imported.group(1)) != len(rows):
        print(f"\n  Maloja imported {imported and imported.group(1)} of {len(rows):,}: {done.stdout[-500:]}")
        return
    print(
        f"\n  Maloja {finder.MALOJA_VERSION}: imported the small listener's {len(rows):,} plays (ghan JSON) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    path = "/apis/mlj_1/charts/artists"
    results = {}
    for cache in ("no", "yes"):
        port = free_port()
        log = folder / f"maloja-{cache}.log"
        server = start(
            [str(maloja), "run"],
            {**env, "MALOJA_PORT": str(port), "MALOJA_USE_GLOBAL_CACHE": cache},
            log,
            f"http://127.0.0.1:{port}/apis/mlj_1/serverinfo",
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
                times = []
                for _ in range(args.rounds + 1):
                    started = time.perf_counter()
                    response = http.get(path)
                    times.append(time.perf_counter() - started)
                    body = response.json()
                    if response.status_code != 200 or body.get("status") != "ok":
                        raise SystemExit(f"Maloja {path}: {response.status_code} {response.text[:300]}")
                charted = sum(entry["scrobbles"] for entry in body["list"])
                if charted != len(rows):
                    raise SystemExit(f"Maloja's chart counts {charted:,} plays of {len(rows):,}")
                results[cache] = (
                    times[0] * 1000,
                    Spread.of([t * 1000 for t in times[1:]]),
                    len(body["list"]),
                )
        finally:
            stop(server)
    uncached_first, uncached, artists = results["no"]
    cached_first, cached, _ = results["yes"]
    print(f"  GET {path} (all time: every one of its {artists:,} artists, {charted:,} plays), ms:")
    print(
        f"    global cache off: first {uncached_first:.1f}, "
        f"then {uncached.format('.1f')} ({args.rounds} requests)"
    )
    print(f"    global cache on:  first after start {cached_first:.1f}, then {cached.format('.1f')} (cached)")
    print(
        f"  MusicHub's top 10 artists, all time, at {len(rows):,}: {musichub_top_ms:.1f} ms = "
        f"{musichub_top_ms / uncached.median:.2f}x Maloja uncached, "
        f"{musichub_top_ms / cached_first:.2f}x its first request, "
        f"{musichub_top_ms / cached.median:.2f}x cached "
        f"(below 1: MusicHub is faster)"
    )


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER_URL, help="a PostgreSQL server (any database)"
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/13", help="emptied first (default db 13)"
    )
    parser.add_argument("--small", type=int, default=100_000, help="the small listener's listens (100000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="the large listener's listens (1000000)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds of every endpoint in turn (15)")
    parser.add_argument("--deep-page", type=int, default=1000, help="History's deep page (1000)")
    parser.add_argument("--no-maloja", action="store_true", help="skip the Maloja comparison")
    parser.add_argument("--maloja", type=Path, default=None, help="Maloja's command (default: as import.py)")
    args = parser.parse_args()
    if args.large < args.deep_page * PAGE_SIZE:
        parser.error(f"--deep-page {args.deep_page} needs --large ≥ {args.deep_page * PAGE_SIZE:,}")

    scratch = Path(tempfile.mkdtemp(prefix="musichub-stats-"))
    from cryptography.fernet import Fernet

    os.environ.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        MEDIA_ROOT=str(scratch / "media"),
        REDIS_URL="",
    )
    end = date.today()
    small_rows: list = []
    top_small = 0.0
    try:
        with scratch_django(args.database_url) as database:
            print(
                f"stats: {server_version()}, scratch database {database}; "
                f"histories end {end - timedelta(days=1)}"
            )
            listeners, small_rows = fill(args, end)
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()  # the benchmark's own db: no stale cache
            port = free_port()
            started = time.perf_counter()
            served = start(
                ["make", "--no-print-directory", "serve"],
                server_env(args, _with_database(args.database_url, database), scratch, port),
                scratch / "serve.log",
                f"http://127.0.0.1:{port}/health/",
            )
            print(
                f"  make serve (2 web workers, Redis {args.redis_url}) started in "
                f"{time.perf_counter() - started:.1f} s"
            )
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
                    results = measure_endpoints(args, http, listeners, end)
                    top_small = results["top artists, all time"][0].median
                    measure_history(args, http, listeners["large"])
            finally:
                stop(served)
        if not args.no_maloja:
            maloja_compare(args, small_rows, scratch, top_small)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
