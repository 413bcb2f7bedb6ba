"""What the benchmarks share: a scratch PostgreSQL database with Django set up on it, listens, and
the rounds that measure each side in turn (median and spread).

Not a test helper: the benchmarks print what they measure and assert nothing about time.
"""

from __future__ import annotations

import argparse
import operator
import os
import random
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from listening.importers import ListenRow

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
START = datetime(2019, 1, 1, tzinfo=UTC)

if str(ROOT) not in sys.path:  # run as `python benchmarks/x.py`, the project is one level up
    sys.path.insert(0, str(ROOT))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _raise_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the scratch database is dropped on `kill` too


@contextmanager
def scratch_django(server_url: str, prefix: str = "musichub_bench") -> Iterator[str]:
    """Creates `<prefix>_<pid>` (`musichub_bench_<pid>`) on the server, sets Django up on it and
    migrates; yields the database's name and drops it afterwards, whatever happened in between."""
    name = f"{prefix}_{os.getpid()}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"  # settings refuse to load without DEBUG or a SECRET_KEY
    os.environ["DATABASE_URL"] = _with_database(server_url, name)
    os.environ["LISTENING_SYNC_MINUTES"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"  # the test client's host
    signal.signal(signal.SIGTERM, _raise_on_sigterm)

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        # As Django's test runner does: with DEBUG on, every query would go through the debug
        # cursor (timed, formatted and logged), which production never pays for.
        settings.DEBUG = False
        call_command("migrate", verbosity=0)
        yield name
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


# --- Listens that look like a real history ----------------------------------------------------

_WORDS = [
    "midnight",
    "summer",
    "river",
    "glass",
    "velvet",
    "neon",
    "echo",
    "paper",
    "golden",
    "silent",
    "electric",
    "wild",
    "blue",
    "broken",
    "honey",
    "crystal",
    "northern",
    "ocean",
    "static",
    "hollow",
    "satellite",
    "fever",
    "ghost",
    "winter",
    "dream",
    "canyon",
    "ember",
    "orbit",
    "violet",
    "thunder",
    "harbor",
    "lantern",
    "mirror",
    "shadow",
    "garden",
    "signal",
    "motel",
]


def _name(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).title()


def _token(rng: random.Random, length: int, alphabet: str = "0123456789abcdef") -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _mbid(rng: random.Random) -> str:
    hexes = _token(rng, 32)
    return f"{hexes[:8]}-{hexes[8:12]}-{hexes[12:16]}-{hexes[16:20]}-{hexes[20:]}"


def _catalog(rng: random.Random, tracks: int) -> list[dict[str, Any]]:
    """`tracks` songs by `tracks // 5` artists, two albums each, with URLs, MBIDs and images."""
    base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    artists = []
    for number in range(max(1, tracks // 5)):
        name = f"{_name(rng, rng.randint(1, 3))} {number}"
        artists.append(
            {
                "artist": name,
                "artist_url": f"https://open.spotify.com/artist/{_token(rng, 22, base62)}",
                "artist_lastfm_url": f"https://www.last.fm/music/{name.replace(' ', '+')}",
                "artist_mbid": _mbid(rng) if rng.random() < 0.8 else None,
                "albums": [(_name(rng, rng.randint(1, 4)), _mbid(rng), _token(rng, 40)) for _ in range(2)],
            }
        )
    catalog = []
    for number in range(tracks):
        artist = artists[number % len(artists)]
        album, album_mbid, image = artist["albums"][number % 2]
        title = f"{_name(rng, rng.randint(1, 5))} {number}"
        catalog.append(
            {
                "title": title,
                "artist": artist["artist"],
                "album": album,
                "spotify_url": f"https://open.spotify.com/track/{_token(rng, 22, base62)}",
                "lastfm_url": f"{artist['artist_lastfm_url']}/_/{title.replace(' ', '+')}",
                "artists_url": artist["artist_url"],
                "duration_ms": rng.randint(120_000, 420_000),
                "image": image,
                "artist_lastfm_url": artist["artist_lastfm_url"],
                "track_mbid": _mbid(rng) if rng.random() < 0.7 else None,
                "artist_mbid": artist["artist_mbid"],
                "album_mbid": album_mbid if rng.random() < 0.8 else None,
            }
        )
    return catalog


def listen_rows(count: int, *, tracks: int = 300, listeners: int = 1, seed: int = 1) -> Iterator[ListenRow]:
    """`count` plays, oldest first, one track's length plus up to 15 minutes apart (divided among
    `listeners` whose plays interleave); a few favourite tracks take most plays (Zipf-like), 70 %
    come from Last.fm (with MBIDs and four image sizes), the rest from Spotify (with track and
    artist URLs)."""
    from listening.importers import ListenRow

    rng = random.Random(seed)
    catalog = _catalog(rng, tracks)
    weights, total = [], 0.0
    for rank in range(len(catalog)):
        total += 1 / (rank + 1) ** 0.8
        weights.append(total)
    played_at = START
    for track in rng.choices(catalog, cum_weights=weights, k=count):
        played_at += timedelta(milliseconds=(track["duration_ms"] + rng.randint(1_000, 900_000)) // listeners)
        if rng.random() < 0.7:
            images = {
                size: f"https://lastfm.freetls.fastly.net/i/u/{px}/{track['image']}.png"
                for size, px in (
                    ("small", "34s"),
                    ("medium", "64s"),
                    ("large", "174s"),
                    ("extralarge", "300x300"),
                )
            }
            yield ListenRow(
                title=track["title"],
                artist=track["artist"],
                album=track["album"],
                played_at=played_at,
                source="lastfm",
                track_url=track["lastfm_url"],
                album_thumbnail=images["extralarge"],
                artist_lastfm_url=track["artist_lastfm_url"],
                track_mbid=track["track_mbid"],
                artist_mbid=track["artist_mbid"],
                album_mbid=track["album_mbid"],
                loved=rng.random() < 0.05,
                streamable=False,
                album_thumbnail_small=images["small"],
                album_thumbnail_medium=images["medium"],
                album_thumbnail_large=images["large"],
                album_thumbnail_extralarge=images["extralarge"],
            )
        else:
            yield ListenRow(
                title=track["title"],
                artist=track["artist"],
                album=track["album"],
                played_at=played_at,
                source="spotify",
                track_url=track["spotify_url"],
                artists_url=track["artists_url"],
                duration_ms=track["duration_ms"],
                album_thumbnail=f"https://i.scdn.co/image/{track['image']}",
            )


def copy_columns() -> list[str]:
    """The columns `listens_store` writes, in its order."""
    from listening.store import COLUMNS

    return ["user_id", *COLUMNS, "created_at", "updated_at"]


def copy_listens(table: str, rows: Iterable[tuple[int, ListenRow]]) -> int:
    """COPYs `(user_id, row)` pairs into `table` through psycopg 3's `cursor.copy()`; returns the count."""
    from django.db import connection
    from django.utils import timezone

    from listening.store import COLUMNS

    columns = copy_columns()
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    values = operator.attrgetter(*COLUMNS)
    now = timezone.now()
    copied = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for user_id, row in rows:
            copy.write_row((user_id, *values(row), now, now))
            copied += 1
    return copied


# --- Rounds: the sides measured in turn, then median and spread ---------------------------------
#
# On a shared machine the load changes from one second to the next: measuring the baseline three
# times and then the measured path once compares two different machines. Every benchmark runs its
# sides in turn instead (A B A B …, one of each a round), takes the ratio within each round, and
# decides on the median of those ratios, printing the spread next to it.


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


@dataclass(frozen=True)
class Spread:
    """The median of some measurements and their range."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(median(values), min(values), max(values))

    def format(self, spec: str = ".2f", unit: str = "") -> str:
        """`0.52x [0.47-0.55]`: the median, then min-max."""
        return f"{self.median:{spec}}{unit} [{self.low:{spec}}-{self.high:{spec}}]"


def add_rounds_option(parser: argparse.ArgumentParser, default: int, *aliases: str) -> None:
    parser.add_argument(
        "--rounds",
        *aliases,
        dest="rounds",
        type=int,
        default=default,
        help=f"rounds; each measures every side once, in turn (default {default})",
    )


def timed(run: Callable[[], object]) -> Callable[[], float]:
    """A side that is timed whole (no untimed setup of its own)."""

    def side() -> float:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started

    return side


def interleaved(sides: dict[str, Callable[[], float]], *, rounds: int) -> dict[str, list[float]]:
    """Runs each side once a round, in the dict's order (A B A B …), for `rounds` rounds; each side
    returns the seconds it measured, so it can leave its own setup (a TRUNCATE) out. The lists hold
    one measurement a round, in order: `ratios()` pairs them up round by round."""
    if rounds < 1:
        raise SystemExit("--rounds must be 1 or more")
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, side in sides.items():
            seconds[name].append(side())
    return seconds


def ratios(numerator: list[float], denominator: list[float]) -> list[float]:
    """One ratio a round."""
    return [top / bottom for top, bottom in zip(numerator, denominator, strict=True)]


def ratio_verdict(values: list[float], *, target: float, at_least: bool) -> str:
    """`0.52x [0.47-0.55]  target ≥ 0.5x on the median: met (4 of 5 rounds)`."""
    spread = Spread.of(values)
    meets = (lambda value: value >= target) if at_least else (lambda value: value <= target)
    rounds_met = sum(1 for value in values if meets(value))
    return (
        f"{spread.format('.2f', 'x')}  target {'≥' if at_least else '≤'} {target}x on the median: "
        f"{verdict(meets(spread.median))} ({rounds_met} of {len(values)} rounds met)"
    )
