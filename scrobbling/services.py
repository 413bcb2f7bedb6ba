"""Scrobbling writes: tokens, the read setting, submitted listens (through listening's one store) and
playing-now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from listening.importers import TEXT_LIMIT, ListenRow
from listening.models import Source
from listening.services import listens_add
from scrobbling.models import ListenBrainzToken, PlayingNow, ScrobbleSettings
from scrobbling.validation import PLAYING_NOW, Submission
from users.models import User
from users.services import user_name_ensure

# A token's last use is written at most this often (a player may submit every few seconds).
LAST_USED_PRECISION = timedelta(minutes=5)
URL_LIMIT = 500
CLIENT_LIMIT = 255


def listenbrainz_token_issue(*, user: User) -> str:
    """A new token for the user, replacing any other (which stops working at once). Shown once."""
    user_name_ensure(user=user)
    for _ in range(3):
        token = str(uuid.uuid4())
        try:
            with transaction.atomic():
                ListenBrainzToken.objects.filter(user=user).delete()
                ListenBrainzToken.objects.create(
                    user=user,
                    digest=ListenBrainzToken.digest_of(token),
                    prefix=token[: ListenBrainzToken.PREFIX_LENGTH],
                )
        except IntegrityError:  # a concurrent issue for the same user won: try once more
            continue
        return token
    raise RuntimeError("could not store a new ListenBrainz token")


def listenbrainz_token_revoke(*, user: User) -> bool:
    deleted, _ = ListenBrainzToken.objects.filter(user=user).delete()
    return bool(deleted)


def listenbrainz_token_authenticate(*, token: str) -> User | None:
    """The active user the token belongs to, or None. Notes when it was last used."""
    if not token:
        return None
    row = (
        ListenBrainzToken.objects.select_related("user")
        .filter(digest=ListenBrainzToken.digest_of(token), user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ListenBrainzToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def scrobble_settings_update(*, user: User, public_listens: bool) -> ScrobbleSettings:
    row, _ = ScrobbleSettings.objects.update_or_create(user=user, defaults={"public_listens": public_listens})
    return row


def listens_submit(*, user: User, submission: Submission) -> int:
    """Stores a checked submission: listens go to the Listen table (a retry adds nothing); a playing_now
    replaces what the user is playing. Returns how many listens were new."""
    if submission.listen_type == PLAYING_NOW:
        playing_now_set(user=user, track_metadata=submission.listens[0]["track_metadata"])
        return 0
    return listens_add(user=user, rows=[listen_row(listen) for listen in submission.listens])


def playing_now_set(*, user: User, track_metadata: dict[str, Any]) -> PlayingNow:
    info = track_metadata.get("additional_info") or {}
    if "duration" in info:
        lifetime = int(info["duration"])
    elif "duration_ms" in info:
        lifetime = int(info["duration_ms"]) // 1000
    else:
        lifetime = settings.LISTENBRAINZ_PLAYING_NOW_SECONDS
    now = timezone.now()
    row, _ = PlayingNow.objects.update_or_create(
        user=user,
        defaults={
            "track_metadata": track_metadata,
            "client": client_name(info),
            "started_at": now,
            "expires_at": now + timedelta(seconds=max(1, lifetime)),
        },
    )
    return row


def playing_now_clear(*, user: User) -> bool:
    deleted, _ = PlayingNow.objects.filter(user=user).delete()
    return bool(deleted)


def client_name(info: dict[str, Any]) -> str:
    """Who sent it: the submission client and its version, else the media player, else the service."""

    def text(key: str) -> str:
        value = info.get(key)
        return value.strip() if isinstance(value, str) else ""

    name = text("submission_client")
    if name:
        version = text("submission_client_version")
        name = f"{name} {version}" if version else name
    else:
        player = text("media_player")
        version = text("media_player_version")
        name = (
            f"{player} {version}".strip() if player else text("music_service_name") or text("music_service")
        )
    return name[:CLIENT_LIMIT]


def _mbid(value: Any) -> str | None:
    """The canonical form (lowercase, hyphenated) of an MBID the validation accepted, which may have
    come in braces, without hyphens or as a URN."""
    if not isinstance(value, str) or not value:
        return None
    return str(uuid.UUID(value))


def _url(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= URL_LIMIT:
        return value
    return ""


def listen_row(listen: dict[str, Any]) -> ListenRow:
    """A checked listen as a row of the Listen table; `additional_info` is kept whole beside the columns."""
    metadata = listen["track_metadata"]
    info: dict[str, Any] = metadata.get("additional_info") or {}
    if "duration_ms" in info:
        duration_ms = int(info["duration_ms"])
    elif "duration" in info:
        duration_ms = int(info["duration"]) * 1000
    else:
        duration_ms = 0
    artist_mbids = info.get("artist_mbids") or []
    return ListenRow(
        title=metadata["track_name"][:TEXT_LIMIT],
        artist=metadata["artist_name"][:TEXT_LIMIT],
        album=(metadata.get("release_name") or "")[:TEXT_LIMIT],
        played_at=datetime.fromtimestamp(listen["listened_at"], tz=UTC),
        source=Source.LISTENBRAINZ,
        track_url=_url(info.get("origin_url")),
        duration_ms=duration_ms,
        track_mbid=_mbid(info.get("recording_mbid")),
        artist_mbid=_mbid(artist_mbids[0]) if artist_mbids else None,
        album_mbid=_mbid(info.get("release_mbid")),
        client=client_name(info),
        additional_info=info or None,
    )
