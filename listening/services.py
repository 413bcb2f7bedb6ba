"""Seed 001's fetch endpoints: fetch from the source, store (deduped), and return what was fetched."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from core.errors import AppError
from listening import sources
from listening.importers import TEXT_LIMIT, ListenRow
from listening.models import Source
from listening.store import listens_delete, listens_store
from providers import base as provider_errors
from users.models import User
from users.provider_errors import app_error_from

logger = logging.getLogger(__name__)

LASTFM_DEFAULT_LIMIT = 50
LASTFM_MAX_LIMIT = 200


def _seed_error(exc: provider_errors.ProviderError, prefix: str, code: str) -> AppError:
    """The seed's message (`prefix: reason`) with the status a provider failure deserves."""
    error = app_error_from(exc)
    if isinstance(exc, provider_errors.ProviderAuthError | provider_errors.ProviderNotFound):
        error.status = 400
    error.message = f"{prefix}: {exc.message}"
    error.code = code if error.status == 400 else error.code
    error.extra = {"error": error.message}
    return error


def spotify_fetch_recent(*, user: User) -> list[ListenRow]:
    """The user's last 50 Spotify plays, stored (a re-fetch adds nothing)."""
    try:
        rows, _ = sources.spotify_recent(user=user, limit=50)
    except provider_errors.ProviderError as exc:
        raise _seed_error(exc, "Failed to fetch recently played songs", "spotify_fetch_failed") from None
    with transaction.atomic():
        new = listens_store(user_id=user.pk, rows=rows)
    logger.info("User %s fetched %s Spotify plays (%s new)", user.pk, len(rows), new)
    return rows


def lastfm_fetch_recent(*, user: User, limit: int = LASTFM_DEFAULT_LIMIT) -> tuple[list[ListenRow], str]:
    """The user's latest Last.fm scrobbles (now-playing skipped), stored; and their username."""
    account = sources.lastfm_account(user=user)
    try:
        rows, _ = sources.lastfm_page(account, limit=limit)
    except provider_errors.ProviderError as exc:
        raise _seed_error(exc, "Last.fm API error", "lastfm_api_error") from None
    with transaction.atomic():
        new = listens_store(user_id=user.pk, rows=rows)
    logger.info("User %s fetched %s Last.fm scrobbles (%s new)", user.pk, len(rows), new)
    return rows, account.username


def listen_record(
    *,
    user_ids: Iterable[int],
    title: str,
    artist: str,
    played_at: datetime,
    source: str,
    album: str = "",
    duration_ms: int = 0,
    album_thumbnail: str = "",
    track_url: str = "",
) -> int:
    """One play heard by each of these users (a room's members, say), stored as every import
    stores its pages: text cut to the columns, time to the second, once per user however often it
    is recorded again. Returns how many listens were new."""
    row = ListenRow(
        title=title[:TEXT_LIMIT],
        artist=artist[:TEXT_LIMIT],
        album=album[:TEXT_LIMIT],
        played_at=played_at.replace(microsecond=0),
        source=source,
        duration_ms=duration_ms,
        album_thumbnail=album_thumbnail,
        track_url=track_url,
    )
    with transaction.atomic():
        return sum(listens_store(user_id=user_id, rows=[row]) for user_id in user_ids)


def listens_add(*, user: User, rows: Iterable[ListenRow]) -> int:
    """A page of listens another app made (ListenBrainz submissions), stored as the imports store
    theirs: one statement a page, each listen once however often it comes again. Returns how many
    were new."""
    with transaction.atomic():
        return listens_store(user_id=user.pk, rows=rows)


def library_play_record(
    *,
    user_id: int,
    title: str,
    artist: str,
    album: str,
    duration_ms: int,
    played_at: datetime,
) -> bool:
    """A song of MusicHub's own catalog played far enough (musics checked it), stored as a listen
    with source `library`. Idempotent: the same play (same song, same start) is stored once.
    Returns whether it was new."""
    new = listen_record(
        user_ids=[user_id],
        title=title,
        artist=artist,
        album=album,
        played_at=played_at,
        source=Source.LIBRARY,
        duration_ms=duration_ms,
    )
    return new > 0


def listen_delete(*, user: User, listen_id: int) -> bool:
    """Deletes one of the user's listens (and its count in the stats); False when it is not theirs."""
    return listens_delete(user_id=user.pk, ids=[listen_id]) == 1
