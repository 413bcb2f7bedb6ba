"""One Spotify play seen twice: by the API (`played_at`, when it ended, to the millisecond) and in an
export (`ts` or `endTime`, to the second or the minute). Within 10 s, with the same title and artist
(case- and space-folded), it is the same play, whichever came first: a file imported over the API's
plays, or a sync after an import, adds no duplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from listening.importers import ListenRow
from listening.models import Listen, Source

SPOTIFY_SOURCES = (Source.SPOTIFY, Source.SPOTIFY_EXPORT)
TWIN_SECONDS = 10


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def spotify_twins(user_id: int, rows: list[ListenRow], *, minute: bool = False) -> set[int]:
    """Indexes of the Spotify rows (from the API or an export) that are a stored Spotify play seen at a
    slightly different time; `minute`: the rows' times are truncated to the minute (account data)."""
    spotify = [(number, row) for number, row in enumerate(rows) if row.source in SPOTIFY_SOURCES]
    if not spotify:
        return set()
    late = timedelta(seconds=TWIN_SECONDS + (60 if minute else 0))
    # A stored export row may itself be minute-truncated: up to 70 s before the play's real end.
    early = timedelta(seconds=TWIN_SECONDS + 60)
    times = [row.played_at for _, row in spotify]
    stored: dict[tuple[str, str], list[tuple[datetime, bool]]] = {}
    found = Listen.objects.filter(
        user_id=user_id,
        source__in=SPOTIFY_SOURCES,
        played_at__gte=min(times) - early,
        played_at__lte=max(times) + late,
    ).values_list("title", "artist", "played_at", "source")
    for title, artist, played_at, source in found.iterator(chunk_size=2000):
        truncated = source == Source.SPOTIFY_EXPORT and played_at.second == 0 and played_at.microsecond == 0
        stored.setdefault((_fold(title), _fold(artist)), []).append((played_at, truncated))
    twins = set()
    window = timedelta(seconds=TWIN_SECONDS)
    for number, row in spotify:
        for played_at, truncated in stored.get((_fold(row.title), _fold(row.artist)), ()):
            gap = played_at - row.played_at  # > 0: the stored play ended later
            if -window <= gap <= (late if minute else window) or (truncated and -early <= gap <= window):
                twins.add(number)
                break
    return twins
