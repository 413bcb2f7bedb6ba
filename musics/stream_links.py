"""Signed stream links: `stream_url` carries a short-lived signature of (song, user, password).

A browser's `<audio>` cannot send an `Authorization` header, so a front end that signs in with a
token could not play a song; the signed link works on its own. It also spares each range request
the token or session lookup (the user's current password fingerprint comes from the cache). Links last
STREAM_LINK_SECONDS, work only for their song, and end when the user's password changes (the
link signs the user's password fingerprint, checked on use, as every other credential does).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from users.models import User
from users.tokens import password_fingerprint, user_fingerprint_matches

SALT = "musics.stream-link"


def stream_token(*, song_id: int, user: User) -> str:
    return signing.dumps([song_id, user.pk, password_fingerprint(user)], salt=SALT)


def stream_token_user_id(token: str, *, song_id: int) -> int | None:
    """The user the link was made for, or None when it is forged, expired, for another song, or
    made before the user's password changed (or the account was disabled)."""
    try:
        signed_song, user_id, fingerprint = signing.loads(
            token, salt=SALT, max_age=settings.STREAM_LINK_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if signed_song != song_id:
        return None
    if not user_fingerprint_matches(user_id, fingerprint):
        return None
    return user_id
