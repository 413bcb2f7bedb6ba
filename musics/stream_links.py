"""Signed stream links: `stream_url` carries a short-lived signature of (song, user).

A browser's `<audio>` cannot send an `Authorization` header, so a front end that signs in with a
token could not play a song; the signed link works on its own. It also spares each range request
the token or session lookup. Links last STREAM_LINK_SECONDS and work only for their song.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "musics.stream-link"


def stream_token(*, song_id: int, user_id: int) -> str:
    return signing.dumps([song_id, user_id], salt=SALT)


def stream_token_user_id(token: str, *, song_id: int) -> int | None:
    """The user the link was made for, or None when it is forged, expired or for another song."""
    try:
        signed_song, user_id = signing.loads(token, salt=SALT, max_age=settings.STREAM_LINK_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return user_id if signed_song == song_id else None
