"""ListenBrainz submissions over HTTP to the production process set, against `listens_store` called
directly.

    .venv/bin/python benchmarks/submit.py [--requests 100] [--per-request 1000] [--rounds 3]
        [--clients 1] [--database-url URL] [--redis-url URL] [--database-prefix musichub_bench]

Creates `<prefix>_<pid>` on the PostgreSQL server (dropped at the end, even on failure), a user with a
ListenBrainz token, and `--requests` x `--per-request` listens (100,000 by default) as a player would
send them (`listened_at`, names, release, `additional_info` with a duration, MBIDs and the client), encoded
in advance as `import` bodies of `--per-request` listens. Starts `make serve` on it (preflight, gunicorn
with uvicorn workers, the Celery worker and beat; Redis emptied first: it is the benchmark's own database,
db 12 by default) with `LISTENBRAINZ_RATE_LIMIT` raised so nothing waits for the limit.

Then, `--rounds` times, each side in turn on an empty Listen table (emptied untimed):
- HTTP: the bodies POSTed to /1/submit-listens by `--clients` keep-alive clients (`Authorization: Token`),
  every answer checked to be 200 `{"status": "ok"}`, every listen then checked to be stored;
- direct: the same listens, checked by the same validation and turned into the same rows, stored by
  `listens_store` in this process, one transaction a page of `--per-request` (what the view does after
  reading the body), on the same database.

Prints listens/s of each side (median and min-max over the rounds) and the HTTP/direct ratio of each
round (median and spread): what the HTTP layer, auth, rate limit, body reading, JSON parsing and
validation cost on top of the store. Figures are this machine's; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
from common import (
    DEFAULT_SERVER_URL,
    Spread,
    _with_database,
    add_rounds_option,
    interleaved,
    ratios,
    scratch_django,
    server_version,
)
from load import free_port, start, stop

BASE_TS = 1_600_000_000  # 2020-09-13: every listen is in the past and after 2002


def listens(total: int) -> list[dict]:
    artists = [f"Artist {n}" for n in range(97)]
    out = []
    for number in range(total):
        artist = artists[number % len(artists)]
        out.append(
            {
                "listened_at": BASE_TS + number * 211,
                "track_metadata": {
                    "artist_name": artist,
                    "track_name": f"Track {number % 2003}",
                    "release_name": f"Album {number % 311}",
                    "additional_info": {
                        "duration_ms": 150_000 + number % 120_000,
                        "recording_mbid": f"00000000-0000-4000-8000-{number % 2003:012d}",
                        "artist_mbids": [f"00000000-0000-4000-9000-{number % 97:012d}"],
                        "submission_client": "benchmarks/submit.py",
                        "submission_client_version": "1",
                        "tracknumber": number % 12 + 1,
                    },
                },
            }
        )
    return out


def bodies(items: list[dict], per_request: int) -> list[bytes]:
    return [
        json.dumps({"listen_type": "import", "payload": items[start : start + per_request]}).encode()
        for start in range(0, len(items), per_request)
    ]


def post_all(base: str, token: str, payloads: list[bytes], clients: int) -> None:
    """POSTs every body once, spread over `clients` keep-alive connections; any answer but 200 stops it."""
    failures: list[str] = []
    pending = list(enumerate(payloads))
    lock = threading.Lock()

    def work() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=120) as client:
            while True:
                with lock:
                    if not pending or failures:
                        return
                    _, body = pending.pop()
                response = client.post("/1/submit-listens", content=body)
                if response.status_code != 200 or response.json() != {"status": "ok"}:
                    with lock:
                        failures.append(f"{response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"submit failed: {failures[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER_URL, help="a PostgreSQL server (any database)"
    )
    parser.add_argument(
        "--database-prefix",
        default="musichub_bench",
        help="scratch database name before _<pid> (default musichub_bench)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/12", help="emptied first (default: Redis db 12)"
    )
    parser.add_argument("--requests", type=int, default=100, help="import requests a round (default 100)")
    parser.add_argument(
        "--per-request", type=int, default=1000, help="listens a request, at most 1000 (default 1000)"
    )
    parser.add_argument("--clients", type=int, default=1, help="concurrent HTTP clients (default 1)")
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_WORKERS (default 2)")
    add_rounds_option(parser, 3)
    args = parser.parse_args()
    if not 1 <= args.per_request <= 1000:
        raise SystemExit("--per-request must be 1 to 1000 (the ListenBrainz limit)")

    from cryptography.fernet import Fernet

    scratch = Path(tempfile.mkdtemp(prefix="musichub-submit-"))
    secret_key = secrets.token_urlsafe(64)
    encryption_key = Fernet.generate_key().decode()
    os.environ.update(SECRET_KEY=secret_key, FIELD_ENCRYPTION_KEYS=encryption_key, REDIS_URL="")
    try:
        with scratch_django(args.database_url, prefix=args.database_prefix) as database:
            print(f"submit: {server_version()}, scratch database {database}")
            run(args, database, scratch, secret_key, encryption_key)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, database: str, scratch: Path, secret_key: str, encryption_key: str) -> None:
    import redis
    from django.db import connection, transaction

    from listening.models import Listen
    from listening.store import listens_store
    from scrobbling.services import listen_row, listenbrainz_token_issue
    from scrobbling.validation import parse_submission
    from users.models import User
    from users.services import user_name_set

    user = User.objects.create_user(email="submit@musichub.local", password=secrets.token_urlsafe(16))
    user_name_set(user=user, user_name="submitter")
    token = listenbrainz_token_issue(user=user)
    total = args.requests * args.per_request
    started = time.perf_counter()
    payloads = bodies(listens(total), args.per_request)
    print(
        f"  {total:,} listens in {len(payloads)} import bodies of {args.per_request} "
        f"({sum(map(len, payloads)) / 1e6:.1f} MB) made in {time.perf_counter() - started:.1f} s"
    )

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "FIELD_ENCRYPTION_KEYS": encryption_key,
        "DATABASE_URL": _with_database(args.database_url, database),
        "REDIS_URL": args.redis_url,
        "MEDIA_ROOT": str(scratch / "media"),
        "STATIC_ROOT": str(scratch / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(args.web_workers),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(scratch / "celerybeat-schedule"),
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "prometheus"),
        "LISTENBRAINZ_RATE_LIMIT": "1000000/10s",
        "LISTENING_SYNC_MINUTES": "0",
        "LOG_LEVEL": "WARNING",
    }
    (scratch / "prometheus").mkdir()
    redis.Redis.from_url(args.redis_url).flushdb()
    base = f"http://127.0.0.1:{port}"
    served = start(["make", "--no-print-directory", "serve"], env, scratch / "serve.log", f"{base}/health/")
    print(
        f"  make serve: {args.web_workers} web workers, Redis {args.redis_url}, "
        f"LISTENBRAINZ_RATE_LIMIT=1000000/10s (default 100/10s); {args.clients} client(s)"
    )
    try:

        def empty() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Listen._meta.db_table}")

        def stored() -> None:
            count = Listen.objects.filter(user=user, source="listenbrainz").count()
            if count != total:
                raise SystemExit(f"{count:,} listens stored, {total:,} sent")

        def over_http() -> float:
            empty()
            began = time.perf_counter()
            post_all(base, token, payloads, args.clients)
            seconds = time.perf_counter() - began
            stored()
            return seconds

        def direct() -> float:
            empty()
            began = time.perf_counter()
            for body in payloads:
                rows = [listen_row(listen) for listen in parse_submission(body).listens]
                with transaction.atomic():
                    listens_store(user_id=user.pk, rows=rows)
            seconds = time.perf_counter() - began
            stored()
            return seconds

        def store_only() -> float:  # the store alone: rows made in advance
            pages = [[listen_row(listen) for listen in parse_submission(body).listens] for body in payloads]
            empty()
            began = time.perf_counter()
            for rows in pages:
                with transaction.atomic():
                    listens_store(user_id=user.pk, rows=rows)
            seconds = time.perf_counter() - began
            stored()
            return seconds

        seconds = interleaved({"http": over_http, "direct": direct, "store": store_only}, rounds=args.rounds)
    finally:
        stop(served)

    rates = {name: [total / value for value in values] for name, values in seconds.items()}
    labels = {
        "http": "HTTP (POST /1/submit-listens)",
        "direct": "direct (validation + listens_store, no HTTP)",
        "store": "listens_store alone (rows made in advance)",
    }
    for name, label in labels.items():
        print(f"  {label:<46} {Spread.of(rates[name]).format(',.0f', ' listens/s')}")
    for label, top, bottom in (
        ("HTTP / direct", "http", "direct"),
        ("HTTP / listens_store alone", "http", "store"),
    ):
        print(f"  {label:<46} {Spread.of(ratios(rates[top], rates[bottom])).format('.2f', 'x')}")


if __name__ == "__main__":
    main()
