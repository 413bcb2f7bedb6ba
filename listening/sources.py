"""Fetching one page of a user's plays from each source, as rows of the listens table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from core.error_codes import ErrorCode
from core.errors import InvalidInput
from core.ratelimit import RateLimiter
from credentials.spotify_connection import spotify_call
from listening.importers import ListenRow, from_lastfm, from_spotify
from providers.lastfm import LastfmClient, RecentTracksPage
from providers.spotify import RecentlyPlayedPage
from users import vault
from users.models import User

LASTFM_REQUESTS_PER_SECOND = 5


class LastfmUsernameMissing(InvalidInput):
    code = ErrorCode.LASTFM_USERNAME_MISSING
    default_message = "No Last.fm username found"


@dataclass(frozen=True)
class LastfmAccount:
    client: LastfmClient
    username: str


def lastfm_account(*, user: User) -> LastfmAccount:
    """The user's Last.fm key and username (seed 001's set-up), with the shared 5-a-second pacing."""
    stored = vault.api_key_get(user=user, service="lastfm")
    if not stored.service_user_id:
        raise LastfmUsernameMissing(
            "No Last.fm username found: add it as service_user_id on your lastfm key "
            "(PATCH /users/api-keys/{id}/)."
        )
    limiter = RateLimiter.for_credential("lastfm", stored.key, rate=LASTFM_REQUESTS_PER_SECOND)
    client = LastfmClient(settings.LASTFM_API_URL, stored.key, limiter=limiter)
    return LastfmAccount(client=client, username=stored.service_user_id)


def lastfm_page(
    account: LastfmAccount,
    *,
    page: int = 1,
    limit: int = 200,
    from_ts: int | None = None,
    to_ts: int | None = None,
) -> tuple[list[ListenRow], RecentTracksPage]:
    answer = account.client.recent_tracks(
        account.username, page=page, limit=limit, from_ts=from_ts, to_ts=to_ts, extended=True
    )
    return [from_lastfm(scrobble) for scrobble in answer.scrobbles], answer


def spotify_recent(
    *, user: User, after_ms: int | None = None, limit: int = 50
) -> tuple[list[ListenRow], RecentlyPlayedPage]:
    """The user's recently played (refreshing their token on use; a 401 refreshes once and retries)."""
    answer = spotify_call(user=user, call=lambda client: client.recently_played(limit=limit, after=after_ms))
    return [from_spotify(played) for played in answer.items], answer


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())
