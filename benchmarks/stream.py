"""Streaming a song: `GET /api/songs/{id}/stream/` in 64 KB ranges against a plain static file server.

    .venv/bin/python benchmarks/stream.py [--megabytes 10] [--chunk-kb 64] [--rounds 9]

Sets Django up on a scratch SQLite database and media folder (a temporary directory, removed at
the end), signs a user in (DRF token) and uploads a `--megabytes` WAV through `song_create`. Then
two HTTP servers on loopback, both Django's development server class (threaded, HTTP/1.1 keep-alive):

- **Django**: the project's WSGI application — the whole middleware, token authentication, the
  song lookup, play counting and `musics.streaming` reading the file through the storage API;
- **static**: WhiteNoise serving the same media folder (Range supported), no Django at all.

A client reads the whole file range by range (`bytes=a-b`, `--chunk-kb` each) over one keep-alive
connection and checks every byte. Each of `--rounds` rounds reads it once from each side in turn
(Django with the Authorization header, Django with the signed link, static), so a burst of load
on a shared machine falls on all sides alike. It prints each side's median throughput and spread
(min-max), the ratio Django/static of each round (median and spread) and the verdict on the median
ratio of the signed link (target ≥ 0.5). At 64 KB a range, Django's fixed cost per request
(middleware, the link's signature, the song lookup) dominates; so it also prints the same for one
open range `bytes=0-` read to the end, which is what Chrome and Firefox ask for.

Last, with MEDIA_X_ACCEL_REDIRECT_PREFIX set, the same ranges through Django again, counting the
bytes Django reads from storage (through a wrapped `FileSystemStorage.open`) and the body bytes it
sends: both must be 0, nginx would send the file.
"""

from __future__ import annotations

import argparse
import http.client
import io
import logging
import os
import random
import socket
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python benchmarks/stream.py`, the project is one level up
    sys.path.insert(0, str(ROOT))

from common import Spread, add_rounds_option, interleaved, ratio_verdict, ratios, timed, verdict  # noqa: E402


def setup_django(scratch: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"  # settings refuse to load without DEBUG or a SECRET_KEY
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["LISTENING_SYNC_MINUTES"] = "0"
    os.environ["TASKS_IN_THREADS"] = "false"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["REDIS_URL"] = ""
    os.environ["MEDIA_X_ACCEL_REDIRECT_PREFIX"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # as in production: no debug cursor, no debug 404 pages
    # As production does with PostgreSQL (DATABASE_CONN_MAX_AGE): one connection per server thread,
    # not a new one (and SQLite's PRAGMAs) per request.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    call_command("migrate", verbosity=0)
    logging.getLogger("django.server").setLevel(logging.ERROR)  # one log line per request otherwise


def stream_path(song_id: int) -> str:
    """The project's stream URL (config/urls.py mounts `musics.api.stream_views.song_stream`)."""
    from django.urls import reverse

    return reverse("song-stream", args=[song_id])


def make_song(megabytes: int):
    from django.core.files.base import ContentFile

    from musics.services import song_create

    rng = random.Random(7)
    frames = rng.randbytes(megabytes * 1024 * 1024 - 44)  # noise: the content does not matter
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(frames[: len(frames) // 4 * 4])
    audio = ContentFile(buffer.getvalue(), name="bench.wav")
    return song_create(audio=audio, title="Benchmark", artist="MusicHub")


def serve(app) -> tuple[object, int]:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        def setup(self) -> None:
            super().setup()
            # wsgiref writes the status line, the headers and the body separately: without this,
            # Nagle's algorithm and the client's delayed ACK add ~40 ms to small responses.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server = ThreadedWSGIServer(("127.0.0.1", 0), Handler, allow_reuse_address=True)
    server.set_app(app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def read_ranges(port: int, url: str, size: int, chunk: int, headers: dict, expected: bytes | None) -> int:
    """Reads [0, size) as `bytes=a-b` ranges over one keep-alive connection; returns body bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    received = 0
    try:
        for start in range(0, size, chunk):
            end = min(start + chunk, size) - 1
            connection.request("GET", url, headers={**headers, "Range": f"bytes={start}-{end}"})
            response = connection.getresponse()
            body = response.read()
            if expected is not None:
                if response.status != 206 or body != expected[start : end + 1]:
                    raise SystemExit(f"{url}: wrong answer for bytes={start}-{end}: {response.status}")
            elif response.status not in (200, 206):
                raise SystemExit(f"{url}: status {response.status}")
            received += len(body)
    finally:
        connection.close()
    return received


def read_open_range(port: int, url: str, headers: dict, expected: bytes) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", url, headers={**headers, "Range": "bytes=0-"})
        response = connection.getresponse()
        if response.status != 206 or response.read() != expected:
            raise SystemExit(f"{url}: wrong answer for bytes=0-: {response.status}")
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=10)
    parser.add_argument("--chunk-kb", type=int, default=64)
    add_rounds_option(parser, 9, "--passes")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="musichub-stream-") as scratch:
        setup_django(Path(scratch))
        from django.conf import settings
        from django.core.cache import cache
        from django.core.files.storage import FileSystemStorage
        from django.core.wsgi import get_wsgi_application
        from whitenoise import WhiteNoise

        from tests.factories import UserFactory
        from users.services import auth_credentials_issue

        user = UserFactory()
        token = auth_credentials_issue(user=user).key
        song = make_song(options.megabytes)
        url = stream_path(song.pk)
        with song.audio_file.open("rb") as file:
            content = file.read()
        size, chunk = len(content), options.chunk_kb * 1024

        def not_found(environ, start_response):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]

        # As in production: no debug cursor, and WhiteNoise not re-scanning files on every request.
        settings.DEBUG = False
        settings.WHITENOISE_AUTOREFRESH = settings.WHITENOISE_USE_FINDERS = False
        application = get_wsgi_application()
        # get_wsgi_application() sets Django up again, which puts the server's logger back to INFO.
        logging.getLogger("django.server").setLevel(logging.ERROR)
        django_server, django_port = serve(application)
        static_server, static_port = serve(WhiteNoise(not_found, root=settings.MEDIA_ROOT, prefix="/media/"))
        auth = {"Authorization": f"Token {token}"}
        from musics.stream_links import stream_token

        signed = f"{url}?token={stream_token(song_id=song.pk, user=user)}"
        runs = {
            "django": lambda: read_ranges(django_port, url, size, chunk, auth, content),
            "signed": lambda: read_ranges(django_port, signed, size, chunk, {}, content),
            "static": lambda: read_ranges(
                static_port, f"/media/{song.audio_file.name}", size, chunk, {}, content
            ),
        }
        for run in runs.values():  # warm-up
            run()

        def new_listen(run):
            def side() -> float:
                cache.clear()  # each read is a new listen (untimed)
                return timed(run)()

            return side

        seconds = interleaved({name: new_listen(run) for name, run in runs.items()}, rounds=options.rounds)

        requests = -(-size // chunk)
        print(
            f"{size / 1e6:.1f} MB song, {requests} ranges of {options.chunk_kb} KB, {options.rounds} rounds "
            "(each side once a round, in turn); median [min-max]"
        )
        labels = (
            ("django", "Django, Authorization header"),
            ("signed", "Django, signed stream_url"),
            ("static", "static server (WhiteNoise)"),
        )
        for name, label in labels:
            throughput = Spread.of([size / value / 1e6 for value in seconds[name]])
            per_request = Spread.of([value / requests * 1000 for value in seconds[name]])
            ms = per_request.format(".2f")
            print(f"  {label:28} {throughput.format('.1f'):>20} MB/s  ({ms} ms per range)")
        # Throughput ratio of a round: the static side's seconds over Django's.
        header_ratios = ratios(seconds["static"], seconds["django"])
        signed_ratios = ratios(seconds["static"], seconds["signed"])
        print(f"  ratio header/static, per round       {Spread.of(header_ratios).format('.2f', 'x')}")
        signed_verdict = ratio_verdict(signed_ratios, target=0.5, at_least=True)
        print(f"  ratio signed link/static, per round  {signed_verdict}")

        # What Chrome and Firefox do: one open range from the start (or from a seek), read to the end.
        targets = {
            "django": (django_port, url, auth),
            "static": (static_port, f"/media/{song.audio_file.name}", {}),
        }
        listen_seconds = interleaved(
            {
                name: new_listen(
                    lambda port=port, target=target, headers=headers: read_open_range(
                        port, target, headers, content
                    )
                )
                for name, (port, target, headers) in targets.items()
            },
            rounds=options.rounds,
        )
        listen = {
            name: Spread.of([size / value / 1e6 for value in values])
            for name, values in listen_seconds.items()
        }
        open_ratios = Spread.of(ratios(listen_seconds["static"], listen_seconds["django"]))
        print(
            f"  one open range (bytes=0-):   Django {listen['django'].format('.0f')} MB/s, "
            f"static {listen['static'].format('.0f')} MB/s, ratio per round {open_ratios.format('.2f', 'x')}"
        )

        # X-Accel-Redirect: Django authorises and counts, nginx would send the bytes.
        read_by_django = 0
        real_open = FileSystemStorage.open

        class Counting:
            def __init__(self, file):
                self.file = file

            def read(self, size=-1):
                nonlocal read_by_django
                data = self.file.read(size)
                read_by_django += len(data)
                return data

            def __getattr__(self, name):
                return getattr(self.file, name)

        FileSystemStorage.open = lambda self, name, mode="rb": Counting(real_open(self, name, mode))
        try:
            normal = read_ranges(django_port, url, size, chunk, auth, None)
            normal_read, read_by_django = read_by_django, 0
            settings.MEDIA_X_ACCEL_REDIRECT_PREFIX = "/protected-media"
            started = time.perf_counter()
            accel_body = read_ranges(django_port, url, size, chunk, auth, None)
            accel_seconds = time.perf_counter() - started
        finally:
            FileSystemStorage.open = real_open
            settings.MEDIA_X_ACCEL_REDIRECT_PREFIX = ""
        print(
            f"  X-Accel off: Django read {normal_read / 1e6:.1f} MB from storage, sent {normal / 1e6:.1f} MB"
        )
        print(
            f"  X-Accel on:  Django read {read_by_django} bytes from storage, sent {accel_body} body bytes "
            f"({accel_seconds / requests * 1000:.2f} ms per request): "
            f"{verdict(read_by_django == 0 and accel_body == 0)}"
        )
        django_server.shutdown()
        static_server.shutdown()
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
