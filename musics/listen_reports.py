"""A catalog song played far enough becomes a listen (source `library`), like a play anywhere else.

The player streams a play with its own play id (`?play=` on the stream URL; musics.served_ranges
keeps what was served) and reports once the play has gone past half the song or 4 minutes, whichever
comes first. The server believes the report only when what it served agrees: enough of the file's
bytes for that point of the song (one chunk of slack) and enough time since the first range (a client
cannot claim 4 minutes after 2 seconds). The listen's time is when the play's first range was served,
so the same play reported again is the same listen (the store keeps one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core import clock
from core.error_codes import ErrorCode
from core.errors import InvalidInput, NotFound
from listening.services import library_play_record
from musics.models import Song
from musics.served_ranges import served_play
from musics.streaming import CHUNK_BYTES
from users.models import User

LONG_ENOUGH_MS = 4 * 60 * 1000
# The first range is served before the audio starts playing, so the wall time since then is always a
# little more than what was heard; the slack covers clocks of different processes (a tenth of the
# threshold for a very short song).
WALL_TIME_SLACK_MS = 3000


@dataclass(frozen=True)
class LibraryListen:
    song_id: int
    played_at: datetime
    new: bool  # False when this play had been reported before


def listen_threshold_ms(duration_seconds: int) -> int:
    """How far a play must go to count: half the song or 4 minutes, whichever comes first (4 minutes
    for a song whose length is unknown)."""
    if duration_seconds <= 0:
        return LONG_ENOUGH_MS
    return min(duration_seconds * 1000 // 2, LONG_ENOUGH_MS)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.0f} s"


def song_listen_report(*, user: User, song_id: int, play: str, position_ms: int) -> LibraryListen:
    """Checks a player's report that `play` of the song reached `position_ms` (time actually played)
    and stores the listen. Raises NotFound for an unknown song or a play not streamed to this user,
    InvalidInput (naming `position_ms`) when the play has not gone far enough or the server's record
    does not back it."""
    user_id = user.pk
    song = Song.objects.select_related("album").filter(pk=song_id).first()
    if song is None or not song.audio_file.name:
        raise NotFound("No such song.")
    served = served_play(user_id=user_id, song_id=song_id, play=play)
    if served is None:
        raise NotFound(
            "Nothing of this song was streamed to you for this play (or it was over 6 hours ago): "
            "stream it with ?play=<this id> first.",
            field="play",
        )

    threshold = listen_threshold_ms(song.duration)
    if position_ms < threshold:
        raise InvalidInput(
            f"A play counts as a listen from {_seconds(threshold)} (half the song or 4 minutes); "
            f"this one reached {_seconds(position_ms)}.",
            field="position_ms",
            code=ErrorCode.PLAY_NOT_FAR_ENOUGH,
        )

    duration_ms = song.duration * 1000
    share = min(1.0, position_ms / duration_ms) if duration_ms else 1.0
    needed = share * served.size - CHUNK_BYTES
    if served.served_bytes < needed:
        raise InvalidInput(
            f"Only {served.served_bytes} bytes of the song's {served.size} were streamed for this play, "
            f"not enough to have played {_seconds(position_ms)} of it.",
            field="position_ms",
            code=ErrorCode.PLAY_NOT_SERVED,
        )

    elapsed_ms = (clock.time() - served.started) * 1000
    if elapsed_ms < threshold - min(WALL_TIME_SLACK_MS, threshold / 10):
        raise InvalidInput(
            f"This play started {_seconds(elapsed_ms)} ago: it cannot have played {_seconds(threshold)} yet.",
            field="position_ms",
            code=ErrorCode.PLAY_TOO_SOON,
        )

    played_at = datetime.fromtimestamp(int(served.started), tz=UTC)
    new = library_play_record(
        user_id=user_id,
        title=song.title,
        artist=song.artist,
        album=song.album.title if song.album else "",
        duration_ms=duration_ms,
        played_at=played_at,
    )
    return LibraryListen(song_id=song.pk, played_at=played_at, new=new)
