"""A listener's ten years, for benchmarks/stats.py: Zipf-like artists, tracks and albums, a daily and a
weekly rhythm, quiet and busy days, and the sources of a real history (Last.fm alone at first, then
Spotify beside it, a few scrobbles from a player).

The same generator at 100,000 and 1,000,000 plays gives the same shape at two sizes: the benchmark
compares them. `ghan_json` writes plays as lastfm.ghan.nl's export, which Maloja imports.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listening.importers import ListenRow

YEARS = 10
ARTISTS = 2_000
TRACKS = 20_000
ALBUM_TRACKS = 10  # an artist's tracks, in order, make albums of this many
_WORDS = [
    "amber",
    "canyon",
    "cinder",
    "delta",
    "ember",
    "fable",
    "glacier",
    "harbor",
    "indigo",
    "juniper",
    "kestrel",
    "lumen",
    "meadow",
    "nova",
    "opal",
    "prism",
    "quarry",
    "river",
    "saffron",
    "tundra",
    "umber",
    "velvet",
    "willow",
    "xenon",
    "yarrow",
    "zephyr",
]
# Plays by hour of the day (weekdays; weekends start two hours later).
_HOURS = [3, 2, 1, 1, 1, 2, 5, 10, 14, 12, 10, 10, 12, 11, 10, 10, 11, 14, 16, 17, 16, 14, 10, 6]
_WEEKDAYS = [1.0, 1.0, 1.0, 1.05, 1.15, 1.35, 1.25]  # Monday … Sunday


@dataclass(frozen=True)
class Track:
    title: str
    artist: str
    album: str
    duration_ms: int


@dataclass(frozen=True)
class Catalog:
    artists: list[str]
    tracks_by_artist: list[list[Track]]  # each artist's tracks, most played first
    artist_weights: list[float]  # cumulative, Zipf-like (s = 0.9)

    @property
    def albums(self) -> int:
        return len({(t.artist, t.album) for tracks in self.tracks_by_artist for t in tracks})


def catalog(seed: int = 5) -> Catalog:
    """2,000 artists; 20,000 tracks dealt to them Zipf-like (the popular ones have hundreds);
    albums of ten tracks."""
    rng = random.Random(seed)
    artists = [f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} {n:04d}" for n in range(ARTISTS)]
    zipf = [1 / (rank + 1) ** 0.9 for rank in range(ARTISTS)]
    owners = rng.choices(range(ARTISTS), zipf, k=TRACKS - ARTISTS) + list(range(ARTISTS))  # each has one
    tracks_by_artist: list[list[Track]] = [[] for _ in artists]
    for number, owner in enumerate(owners):
        ordinal = len(tracks_by_artist[owner])
        album = f"{rng.choice(_WORDS).title()} {ordinal // ALBUM_TRACKS + 1} ({owner:04d})"
        if ordinal % ALBUM_TRACKS:  # the album's name is the first track's
            album = tracks_by_artist[owner][ordinal - ordinal % ALBUM_TRACKS].album
        title = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)} {number:05d}"
        tracks_by_artist[owner].append(Track(title, artists[owner], album, rng.randint(120_000, 420_000)))
    total, cumulative = 0.0, []
    for weight in zipf:
        total += weight
        cumulative.append(total)
    return Catalog(artists, tracks_by_artist, cumulative)


def _day_weights(rng: random.Random, first: date, days: int) -> list[float]:
    """Weekly rhythm, a slow rise over the years, day-to-day noise and about 3 % silent days."""
    weights = []
    for number in range(days):
        day = first + timedelta(days=number)
        silent = rng.random() < 0.03
        growth = 0.6 + 0.8 * number / days
        weights.append(0.0 if silent else _WEEKDAYS[day.weekday()] * growth * rng.lognormvariate(0, 0.5))
    return weights


def plays(count: int, *, end: date, seed: int = 1, shape: Catalog | None = None) -> Iterator[ListenRow]:
    """`count` plays over the ten years before `end` (exclusive, UTC), oldest first, one a second at
    most (Maloja keys a scrobble by its second)."""
    from listening.importers import ListenRow

    rng = random.Random(seed)
    shape = shape or catalog()
    first = end - timedelta(days=365 * YEARS + YEARS // 4)
    days = (end - first).days
    chosen_days = rng.choices(range(days), _day_weights(rng, first, days), k=count)
    weekday_hours = list(itertools.accumulate(_HOURS))
    weekend_hours = list(itertools.accumulate(_HOURS[-2:] + _HOURS[:-2]))
    instants = []
    for day in chosen_days:
        hours = weekend_hours if (first + timedelta(days=day)).weekday() >= 5 else weekday_hours
        hour = bisect.bisect(hours, rng.random() * hours[-1])
        instants.append(day * 86_400 + hour * 3_600 + rng.randrange(3_600))
    instants.sort()
    origin = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    spotify_from = days * 0.3  # Last.fm alone for the first three years
    last = -1
    artist_ids = rng.choices(range(len(shape.artists)), cum_weights=shape.artist_weights, k=count)
    for second, artist in zip(instants, artist_ids, strict=True):
        second = max(second, last + 1)
        last = second
        tracks = shape.tracks_by_artist[artist]
        track = tracks[int(len(tracks) * rng.random() ** 2.5)]  # an artist's favourites come first
        if second / 86_400 < spotify_from:
            source = "lastfm"
        else:
            draw = rng.random()
            source = "spotify" if draw < 0.6 else "lastfm" if draw < 0.95 else "listenbrainz"
        yield ListenRow(
            title=track.title,
            artist=track.artist,
            album=track.album,
            played_at=origin + timedelta(seconds=second),
            source=source,
            duration_ms=track.duration_ms,
        )


def ghan_json(path: Path, rows: list[ListenRow]) -> None:
    """lastfm.ghan.nl's export (what `maloja import` reads): API pages of 200 tracks, newest first."""
    newest_first = rows[::-1]
    with path.open("w") as out:
        out.write("[")
        for page, start in enumerate(range(0, len(newest_first), 200)):
            tracks = [
                {
                    "artist": {"mbid": "", "#text": row.artist},
                    "streamable": "0",
                    "image": [{"size": "small", "#text": ""}],
                    "mbid": "",
                    "album": {"mbid": "", "#text": row.album},
                    "name": row.title,
                    "url": "",
                    "date": {
                        "uts": str(int(row.played_at.timestamp())),
                        "#text": row.played_at.strftime("%d %b %Y, %H:%M"),
                    },
                }
                for row in newest_first[start : start + 200]
            ]
            attr = {"user": "bench", "page": str(page + 1), "perPage": "200", "total": str(len(rows))}
            out.write(("," if page else "") + json.dumps({"track": tracks, "@attr": attr}))
        out.write("]")
