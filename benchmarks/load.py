"""The whole process set under load: `make serve` on a scratch database, 50 clients for 60 s.

    .venv/bin/python benchmarks/load.py [--listens 1000000] [--clients 50] [--seconds 60]

Creates `musichub_bench_<pid>` on the PostgreSQL server (dropped at the end, even on failure) and
fills it: `--accounts` users (the first `--listeners` share `--listens` listens, COPYed as in
listen_read.py), `--songs` songs (a few real WAVs through `song_create`, the rest rows pointing at
those files) and a few messages. Then starts `make serve` (preflight, gunicorn with uvicorn
workers, the Celery worker and beat) on it with Redis db 10, `DEBUG=false`, a free port and
`AUTH_THROTTLE_RATE` raised so the clients' sign-ins pass (Redis db 10 is emptied first: it is the
benchmark's own), plus a second gunicorn serving the bare
view of `load_bare.py` (same settings, one plain `.values()` + `JsonResponse` view).

Each client signs in once (`POST /api/auth/login/`, DRF token) and then sends, with keep-alive, a
weighted mix: history pages (`/music/get-stored-songs/`, following `next`, some started from
cursors 10 to 1,000 pages deep), songs, made-for-you, trending, messages, the vault list and 64 KB
stream ranges on the signed `stream_url`. Rooms' current song needs the host's Spotify (the
sandbox is not started here): skipped, with a note. PostgreSQL connections of the process set
(`pg_stat_activity` by `PGAPPNAME`) and the web workers' RSS (/proc) are sampled every 0.5 s.

Then the history page 1 against the bare view, `--ratio-rounds` rounds of `--ratio-seconds` each
side in turn, all clients on one side at a time; the ratio of their requests/s within each round.

Targets: 0 errors; connections ≤ the pools' total and back to the idle baseline within 10 s;
history ≥ 0.5x the bare view (median of rounds); p99 of the history page ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import psycopg
from common import (
    DEFAULT_SERVER_URL,
    ROOT,
    Spread,
    _with_database,
    copy_listens,
    listen_rows,
    ratio_verdict,
    scratch_django,
    server_version,
    verdict,
)

PASSWORD = "load-benchmark-9-password"  # a scratch database's users
HISTORY = "/music/get-stored-songs/"
EXPECTED = {200, 206}  # rooms' 204 is not in the mix (skipped)
WEIGHTS = {
    "history": 30,
    "songs": 12,
    "made-for-you": 8,
    "trending": 8,
    "messages": 12,
    "vault": 10,
    "stream range": 20,
}
PATHS = {
    "songs": "/api/songs/",
    "made-for-you": "/api/songs/made-for-you/",
    "trending": "/api/songs/trending/",
    "messages": "/api/messages/",
    "vault": "/users/api-keys/",
}
DEPTHS = (10, 100, 500, 1000)  # pages deep a history walk may start at


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wav(seconds: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22_050)
        out.writeframes(random.Random(seed).randbytes(seconds * 22_050 * 2))
    return buffer.getvalue()


def cursor_url(played_at) -> str:
    """DRF's CursorPagination cursor just after this listen (positions are `str(played_at)`)."""
    token = base64.b64encode(urlencode({"p": str(played_at)}).encode()).decode()
    return f"{HISTORY}?cursor={quote(token)}"


def fill(args: argparse.Namespace) -> tuple[list[str], dict[int, list[str]], list[int]]:
    """Users, listens, songs, messages; returns the accounts' emails, deep cursors by listener and
    the listeners' ids."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.db import connection

    from listening.models import Listen
    from messaging.models import Message
    from musics.models import Song
    from musics.services import song_create
    from users.models import User

    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(email=f"load{n}@musichub.local", password=hashed) for n in range(args.accounts)]
    )
    users = list(User.objects.order_by("id"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users]
    )
    listeners = users[: args.listeners]

    def rows() -> Iterator:
        for number, row in enumerate(listen_rows(args.listens, tracks=2000, listeners=len(listeners))):
            yield listeners[number % len(listeners)].pk, row

    started = time.perf_counter()
    loaded = copy_listens(Listen._meta.db_table, rows())
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Listen._meta.db_table}")
    print(
        f"  {loaded:,} listens over {len(listeners)} users COPYed + VACUUM (ANALYZE) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    real = [
        song_create(audio=ContentFile(wav(6, n), name=f"load{n}.wav"), title=f"Real {n}", artist="Load")
        for n in range(args.audio_files)
    ]
    Song.objects.bulk_create(
        [
            Song(
                title=f"Catalog song {n}",
                artist=f"Artist {n % 97}",
                audio_file=real[n % len(real)].audio_file.name,
                audio_content_type=real[n % len(real)].audio_content_type,
                audio_size=real[n % len(real)].audio_size,
                duration=real[n % len(real)].duration,
            )
            for n in range(args.songs - len(real))
        ]
    )
    rng = random.Random(3)
    Message.objects.bulk_create(
        [
            Message(sender=rng.choice([u for u in users if u != user]), receiver=user, content=f"hello {n}")
            for user in users
            for n in range(20)
        ]
    )
    deep: dict[int, list[str]] = {}
    for listener in listeners:
        mine = Listen.objects.filter(user=listener).order_by("-played_at", "-id")
        deep[listener.pk] = [
            cursor_url(mine.values_list("played_at", flat=True)[pages * 50 - 1])
            for pages in DEPTHS
            if pages * 50 <= args.listens // len(listeners)
        ]
    print(
        f"  {len(users)} users, {Song.objects.count():,} songs ({len(real)} real WAV files), "
        f"{Message.objects.count():,} messages"
    )
    return [user.email for user in users], deep, [listener.pk for listener in listeners]


class Sampler(threading.Thread):
    """Counts the process set's PostgreSQL connections and the web workers' RSS every 0.5 s."""

    def __init__(self, database_url: str, application_name: str) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.application_name = application_name
        self.count = 0
        self.peak = 0
        self.rss_peak = 0
        self.at_peak: list[tuple] = []
        self.parallel_peak = 0
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def connections(self, sampler: psycopg.Connection) -> int:
        """Client connections only: a parallel query's workers carry the same application_name."""
        count, parallel = sampler.execute(
            "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
            "count(*) FILTER (WHERE backend_type = 'parallel worker') "
            "FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [self.application_name],
        ).fetchone()
        self.parallel_peak = max(self.parallel_peak, parallel)
        return count

    def run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True, application_name="load-sampler") as sampler:
            while not self.stopping.is_set():
                self.count = self.connections(sampler)
                if self.count > self.peak:
                    self.peak = self.count
                    self.at_peak = sampler.execute(
                        "SELECT state, left(regexp_replace(query, '\\s+', ' ', 'g'), 70), count(*) "
                        "FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = %s AND backend_type = 'client backend' "
                        "GROUP BY 1, 2 ORDER BY 3 DESC",
                        [self.application_name],
                    ).fetchall()
                self.rss_peak = max(self.rss_peak, sum(web_workers_rss(self.application_name).values()))
                self.ready.set()
                time.sleep(0.5)


def _proc(pid: str, name: str) -> bytes:
    try:
        return (Path("/proc") / pid / name).read_bytes()
    except OSError:
        return b""


def web_workers_rss(application_name: str) -> dict[int, int]:
    """RSS in bytes of every gunicorn worker (a gunicorn process under gunicorn, with no child) that
    carries this PGAPPNAME in its environment."""
    marker = f"PGAPPNAME={application_name}".encode()
    gunicorns = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if b"gunicorn" in _proc(pid, "cmdline") and marker in _proc(pid, "environ").split(b"\0"):
            status = _proc(pid, "status").decode(errors="replace")
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            rss = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
            gunicorns[int(pid)] = (int(fields.get("PPid", "0")), rss)
    parents = {parent for parent, _ in gunicorns.values()}  # the master (and a shell before it)
    return {
        pid: rss for pid, (parent, rss) in gunicorns.items() if parent in gunicorns and pid not in parents
    }


def start(command: list[str], environment: dict[str, str], log: Path, url: str) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command,
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=2)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{command[0]} did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def record(self, endpoint: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)
            if status not in EXPECTED:
                self.errors[endpoint] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{endpoint}: {status}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    def __init__(self, base: str, email: str, listener: int, deep: list[str], rng: random.Random) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.rng = rng
        self.listener = listener
        self.deep = deep
        response = self.http.post("/api/auth/login/", json={"email": email, "password": PASSWORD})
        if response.status_code != 200:
            raise SystemExit(f"sign-in answered {response.status_code}: {response.text[:300]}")
        self.http.headers["Authorization"] = f"Token {response.json()['key']}"
        songs = self.http.get("/api/songs/").json()["results"]
        self.streams = [(song["stream_url"], song["audio_size"]) for song in songs if song.get("audio_size")]
        if not self.streams:
            self.streams = [(song["stream_url"], 200_000) for song in songs]
        self.next: str | None = None

    def one(self, endpoint: str, results: Results) -> None:
        headers = {}
        if endpoint == "history":
            if self.next is None or self.rng.random() < 0.1:
                self.next = self.rng.choice([HISTORY, HISTORY, *self.deep])
            url = self.next
        elif endpoint == "stream range":
            url, size = self.rng.choice(self.streams)
            first = self.rng.randrange(0, max(1, size - 65_536))
            headers["Range"] = f"bytes={first}-{first + 65_535}"
        else:
            url = PATHS[endpoint]
        started = time.perf_counter()
        try:
            response = self.http.get(url, headers=headers)
            status: int | str = response.status_code
            if endpoint == "history" and status == 200:
                self.next = response.json()["next"]
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        results.record(endpoint, time.perf_counter() - started, status)


def drive(clients: list[Client], seconds: float, work) -> float:
    """Every client runs `work(client)` in its own thread until `seconds` have passed."""
    stopping = threading.Event()

    def loop(client: Client) -> None:
        while not stopping.is_set():
            work(client)

    threads = [threading.Thread(target=loop, args=(client,), daemon=True) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stopping.set()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_SERVER_URL, help="a PostgreSQL server (any database)"
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/10", help="emptied first (default: Redis db 10)"
    )
    parser.add_argument("--listens", type=int, default=1_000_000, help="default 1000000")
    parser.add_argument("--listeners", type=int, default=10, help="users sharing the listens (default 10)")
    parser.add_argument("--accounts", type=int, default=50, help="users in all (default 50)")
    parser.add_argument("--songs", type=int, default=1000, help="catalog size (default 1000)")
    parser.add_argument("--audio-files", type=int, default=4, help="real WAV files behind them (default 4)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the mix (default 60)")
    parser.add_argument(
        "--ratio-seconds", type=float, default=8, help="each side of a ratio round (default 8)"
    )
    parser.add_argument("--ratio-rounds", type=int, default=3, help="history/bare rounds (default 3)")
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_WORKERS (default 2)")
    parser.add_argument("--pool-min", type=int, default=1, help="DATABASE_POOL_MIN_SIZE (default 1)")
    parser.add_argument("--pool-max", type=int, default=4, help="DATABASE_POOL_MAX_SIZE (default 4)")
    parser.add_argument("--celery", type=int, default=2, help="CELERY_WORKER_CONCURRENCY (default 2)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="musichub-load-"))
    from cryptography.fernet import Fernet

    secret_key = secrets.token_urlsafe(64)
    encryption_key = Fernet.generate_key().decode()
    os.environ.update(
        SECRET_KEY=secret_key,
        FIELD_ENCRYPTION_KEYS=encryption_key,
        MEDIA_ROOT=str(scratch / "media"),
        REDIS_URL="",
    )
    try:
        with scratch_django(args.database_url) as database:
            print(f"load: {server_version()}, scratch database {database}")
            run(args, database, scratch, secret_key, encryption_key)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, database: str, scratch: Path, secret_key: str, encryption_key: str) -> None:
    args.scratch = scratch
    emails, deep, listener_ids = fill(args)
    database_url = _with_database(args.database_url, database)
    port, bare_port = free_port(), free_port()
    application_name = f"musichub-load-{port}"
    (scratch / "prometheus").mkdir()
    (scratch / "prometheus-bare").mkdir()
    common_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "FIELD_ENCRYPTION_KEYS": encryption_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "MEDIA_ROOT": str(scratch / "media"),
        "STATIC_ROOT": str(scratch / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "AUTH_THROTTLE_RATE": "100000/minute",
        "WEB_WORKERS": str(args.web_workers),
        "CELERY_WORKER_CONCURRENCY": str(args.celery),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(scratch / "celerybeat-schedule"),
        "DATABASE_POOL_MIN_SIZE": str(args.pool_min),
        "DATABASE_POOL_MAX_SIZE": str(args.pool_max),
        "LISTENING_SYNC_MINUTES": "0",
        "LOG_LEVEL": "WARNING",
    }
    serve_env = {
        **common_env,
        "WEB_BIND": f"127.0.0.1:{port}",
        "PGAPPNAME": application_name,
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "prometheus"),
    }
    bare_env = {
        **common_env,
        "DJANGO_SETTINGS_MODULE": "load_bare",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
        "WEB_BIND": f"127.0.0.1:{bare_port}",
        "PGAPPNAME": f"musichub-load-bare-{bare_port}",
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "prometheus-bare"),
    }
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    pool_total = args.web_workers * args.pool_max + args.celery + 1  # + beat's one
    print(
        f"  make serve: {args.web_workers} web workers (pool {args.pool_min}-{args.pool_max}), "
        f"Celery concurrency {args.celery}, beat; Redis {args.redis_url}; "
        f"AUTH_THROTTLE_RATE=100000/minute for the benchmark's {len(emails)} sign-ins (default 10/minute)"
    )
    import redis

    # The benchmark's own Redis database: a previous run's cached song facts (same ids, other
    # files) would point the stream at files that are gone.
    redis.Redis.from_url(args.redis_url).flushdb()
    started = time.perf_counter()
    served = start(
        ["make", "--no-print-directory", "serve"], serve_env, scratch / "serve.log", f"{base}/health/"
    )
    bare = None
    try:
        bare = start(
            [str(ROOT / ".venv/bin/gunicorn"), "--config", "config/gunicorn.py", "config.asgi:application"],
            bare_env,
            scratch / "bare.log",
            f"{bare_base}/bare/?user={listener_ids[0]}",
        )
        print(
            f"  started (preflight, migrate, collectstatic, both servers) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        measure(args, base, bare_base, database_url, application_name, emails, deep, listener_ids, pool_total)
    finally:
        if bare is not None:
            stop(bare)
        stop(served)


def measure(
    args, base, bare_base, database_url, application_name, emails, deep, listener_ids, pool_total
) -> None:
    sampler = Sampler(database_url, application_name)
    sampler.start()
    sampler.ready.wait(10)
    rng = random.Random(11)
    clients = []
    for number in range(args.clients):  # five clients a listener: the history pages have listens
        email, listener = emails[number % len(listener_ids)], listener_ids[number % len(listener_ids)]
        clients.append(Client(base, email, listener, deep[listener], random.Random(rng.random())))
    time.sleep(6)  # the sign-ins' connections go back to the pools' floor
    baseline = sampler.count
    sampler.peak = baseline
    print(
        f"  {len(clients)} clients signed in (one POST /api/auth/login/ each); "
        f"connections before the mix: {baseline}"
    )
    print("  rooms' current song: skipped (a room needs the host's Spotify; the sandbox is not started here)")

    results = Results()
    endpoints, weights = list(WEIGHTS), list(WEIGHTS.values())
    elapsed = drive(
        clients, args.seconds, lambda client: client.one(client.rng.choices(endpoints, weights)[0], results)
    )
    ended = time.monotonic()
    peak = sampler.peak
    rss = web_workers_rss(application_name)
    while sampler.count > baseline and time.monotonic() - ended < 30:
        time.sleep(0.25)
    back = time.monotonic() - ended
    final = sampler.count

    total = sum(len(values) for values in results.latencies.values())
    errors = sum(results.errors.values())
    print(
        f"\n  mix: {len(clients)} clients for {elapsed:.0f} s: {total:,} requests, "
        f"{total / elapsed:,.0f} requests/s"
    )
    print(
        f"  {'endpoint':<14} {'requests':>9} {'req/s':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for endpoint in WEIGHTS:
        values = results.latencies[endpoint]
        if not values:
            continue
        print(
            f"  {endpoint:<14} {len(values):>9,} {len(values) / elapsed:>7.1f} "
            f"{percentile(values, 0.5) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f} "
            f"{percentile(values, 0.99) * 1000:>8.1f} {results.errors[endpoint]:>7}"
        )
    history_p99 = percentile(results.latencies["history"], 0.99) * 1000
    print(
        f"  web workers' RSS after the mix: "
        f"{', '.join(f'{value / 2**20:.0f} MB' for value in rss.values()) or 'not found'}; "
        f"peak of their sum {sampler.rss_peak / 2**20:.0f} MB"
    )
    print(f"  errors (anything but 200/206, or no answer): {errors}  target 0: {verdict(errors == 0)}")
    if results.samples:
        print(f"    e.g. {'; '.join(results.samples)}")
        log = (args.scratch / "serve.log").read_text(errors="replace").splitlines()
        print("\n".join(f"    log: {line[:300]}" for line in [x for x in log if "Error" in x][-6:]))
    print(
        f"  PostgreSQL connections (application_name {application_name}): peak {peak}, "
        f"pools' total {pool_total} ({args.web_workers} x {args.pool_max} + {args.celery} + beat 1): "
        f"{verdict(peak <= pool_total)}"
    )
    print(f"    (besides them, at most {sampler.parallel_peak} parallel query workers at once)")
    for state, query, count in sampler.at_peak:
        print(f"    at the peak: {count} {state}: {query}")
    print(
        f"  back to {baseline} (before the mix) {back:.1f} s after it, final {final}: "
        f"{verdict(final <= baseline and back <= 10)}"
    )
    print(f"  history p99 {history_p99:.0f} ms  target ≤ 250 ms: {verdict(history_p99 <= 250)}")

    # History page 1 against the bare view, the same 50 listens, in turn.
    history_rates, bare_rates = [], []
    side_results = {"app": Results(), "bare": Results()}
    bare_clients = [httpx.Client(base_url=bare_base, timeout=60) for _ in clients]
    for client, bare_client in zip(clients, bare_clients, strict=True):
        client.bare = bare_client
    for _ in range(args.ratio_rounds):
        for side in ("app", "bare"):
            before = len(side_results[side].latencies[side])

            def work(client: Client, side=side) -> None:
                started = time.perf_counter()
                try:
                    if side == "app":
                        response = client.http.get(HISTORY)
                    else:
                        response = client.bare.get(f"/bare/?user={client.listener}")
                    status: int | str = response.status_code
                    if status == 200 and len(response.json()["results"]) != 50:
                        status = "not 50 listens"
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                side_results[side].record(side, time.perf_counter() - started, status)

            seconds = drive(clients, args.ratio_seconds, work)
            rate = (len(side_results[side].latencies[side]) - before) / seconds
            (history_rates if side == "app" else bare_rates).append(rate)
    ratio_errors = sum(sum(result.errors.values()) for result in side_results.values())
    print(
        f"\n  history page 1 against the bare view (.values() + JsonResponse, same settings and workers), "
        f"{args.ratio_rounds} rounds of {args.ratio_seconds:.0f} s a side in turn, {len(clients)} clients:"
    )
    print(
        f"  history {Spread.of(history_rates).format('.0f')} requests/s "
        f"(p99 {percentile(side_results['app'].latencies['app'], 0.99) * 1000:.0f} ms), "
        f"bare {Spread.of(bare_rates).format('.0f')} requests/s "
        f"(p99 {percentile(side_results['bare'].latencies['bare'], 0.99) * 1000:.0f} ms), "
        f"errors {ratio_errors}"
    )
    for result in side_results.values():
        if result.samples:
            print(f"    e.g. {'; '.join(result.samples)}")
    per_round = [app / bare for app, bare in zip(history_rates, bare_rates, strict=True)]
    print(f"  history / bare, per round: {ratio_verdict(per_round, target=0.5, at_least=True)}")
    sampler.stopping.set()
    for client in clients:
        client.http.close()
        client.bare.close()


if __name__ == "__main__":
    main()
