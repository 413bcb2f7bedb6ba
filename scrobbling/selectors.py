"""Scrobbling reads: users by public name, their listens in ListenBrainz's paging, playing-now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from listening import selectors as listening_selectors
from scrobbling.models import ListenBrainzToken, PlayingNow, ScrobbleSettings
from users.models import User

# What a listen read needs from each row (a 1000-listen page builds no model instances).
LISTEN_FIELDS = (
    "title",
    "artist",
    "album",
    "played_at",
    "created_at",
    "source",
    "track_url",
    "duration_ms",
    "track_mbid",
    "artist_mbid",
    "album_mbid",
    "client",
    "additional_info",
)


@dataclass(frozen=True)
class ListensPage:
    listens: list[dict[str, Any]]  # LISTEN_FIELDS of each listen, newest first
    latest_listen_ts: int | None
    oldest_listen_ts: int | None


def user_by_name(*, name: str) -> User | None:
    """The active user with this public name (whatever its case)."""
    if not name:
        return None
    return User.objects.filter(user_name__iexact=name, is_active=True).first()


def listens_public(*, user: User) -> bool:
    return ScrobbleSettings.objects.filter(user=user, public_listens=True).exists()


def token_of(*, user: User) -> ListenBrainzToken | None:
    return ListenBrainzToken.objects.filter(user=user).first()


def _ts(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def token_setup(*, user: User, base_url: str, token: str | None = None) -> dict[str, Any]:
    """A user's scrobbling setup as the Connections page and /users/listenbrainz-token/ show it: never
    the token, except `token` once, in the answer that made it. `base_url` is this site's root URL."""
    row = token_of(user=user)
    root = base_url.rstrip("/") + "/"
    state: dict[str, Any] = {
        "has_token": row is not None,
        "prefix": row.prefix if row else None,
        "created_at": row.created_at if row else None,
        "last_used_at": row.last_used_at if row else None,
        "user_name": user.user_name,
        "public_listens": listens_public(user=user),
        "api_root": root,
        "api_root_alternative": f"{root}apis/listenbrainz/",
    }
    if token is not None:
        state["token"] = token
    return state


def listens_page(*, user: User, min_ts: int | None, max_ts: int | None, count: int) -> ListensPage:
    """Up to `count` listens of every source, newest first, strictly between `min_ts` and `max_ts`.

    With only `min_ts`, the `count` listens just after it (so a client paging forward misses none);
    otherwise the `count` newest before `max_ts` (or now).
    """
    rows = listening_selectors.listen_window(
        user=user,
        after=datetime.fromtimestamp(min_ts, tz=UTC) if min_ts is not None else None,
        before=datetime.fromtimestamp(max_ts, tz=UTC) if max_ts is not None else None,
        count=count,
        fields=LISTEN_FIELDS,
    )
    latest, oldest = listening_selectors.listen_bounds(user=user)
    return ListensPage(rows, _ts(latest), _ts(oldest))


def listen_count(*, user: User) -> int:
    return listening_selectors.listen_count(user=user)


def playing_now_of(*, user: User) -> PlayingNow | None:
    """What the user is playing now, if a player said so and the track has not run out."""
    return PlayingNow.objects.filter(user=user, expires_at__gt=timezone.now()).first()
