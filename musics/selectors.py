"""Catalog reads: lists, discovery (featured, trending, made for you) and platform stats."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from listening.selectors import top_artists
from musics.models import Album, Song, SongPlay

FEATURED_COUNT = 6
MADE_FOR_YOU_COUNT = 4
TRENDING_COUNT = 4
TRENDING_WINDOW = timedelta(days=7)
RECENTLY_PLAYED_WINDOW = timedelta(hours=24)
TOP_ARTISTS = 10


def song_list() -> QuerySet[Song]:
    return Song.objects.select_related("album").order_by("-created_at", "-id")


STREAM_INFO_SECONDS = 300
_STREAM_FIELDS = ("audio_file", "audio_content_type", "audio_size", "updated_at", "duration")


def _stream_key(song_id: int) -> str:
    return f"musics:stream:{song_id}"


def song_for_stream(song_id: int) -> Song | None:
    """What streaming needs of a song, from the cache when it can (each range request asks)."""
    fields = cache.get(_stream_key(song_id))
    if fields is None:
        fields = Song.objects.filter(pk=song_id).order_by().values(*_STREAM_FIELDS).first()
        if fields is None:
            return None
        cache.set(_stream_key(song_id), fields, STREAM_INFO_SECONDS)
    return Song(pk=song_id, **fields)


def song_stream_forget(song_ids: list[int]) -> None:
    cache.delete_many([_stream_key(song_id) for song_id in song_ids])


def album_list() -> QuerySet[Album]:
    return Album.objects.annotate(song_count=Count("songs")).order_by("-created_at", "-id")


def album_with_songs() -> QuerySet[Album]:
    """Albums with their songs and their song count (the same number, so never null)."""
    return Album.objects.annotate(song_count=Count("songs")).prefetch_related(
        Prefetch("songs", queryset=Song.objects.order_by("created_at", "id"))
    )


def _songs_by_ids(ids: list[int]) -> list[Song]:
    found = {song.id: song for song in Song.objects.select_related("album").filter(id__in=ids)}
    return [found[song_id] for song_id in ids if song_id in found]


def _random_ids(count: int, *, exclude: set[int], seed: str | None = None) -> list[int]:
    candidates = [song_id for song_id in Song.objects.values_list("id", flat=True) if song_id not in exclude]
    return random.Random(seed).sample(candidates, min(count, len(candidates)))  # noqa: S311 - not security


def featured_songs() -> list[Song]:
    """Six songs, a new selection every day (the same for everyone during the day)."""
    return _songs_by_ids(_random_ids(FEATURED_COUNT, exclude=set(), seed=timezone.localdate().isoformat()))


def trending_songs() -> list[Song]:
    """The most played in the last seven days; random songs fill in when there are too few plays."""
    since = timezone.now() - TRENDING_WINDOW
    top = list(
        SongPlay.objects.filter(played_at__gte=since)
        .values("song_id")
        .annotate(plays=Count("id"))
        .order_by("-plays", "song_id")
        .values_list("song_id", flat=True)[:TRENDING_COUNT]
    )
    top += _random_ids(TRENDING_COUNT - len(top), exclude=set(top))
    return _songs_by_ids(top)


def _favourite_artists(user) -> list[str]:
    """The artists this user listens to most, case-folded: their listens, which include the catalog
    songs they played far enough (source `library`; a SongPlay is not counted again)."""
    return [name for name, _ in top_artists(user=user, limit=TOP_ARTISTS)]


def made_for_you_songs(*, user) -> list[Song]:
    """Songs by the artists the user listens to most, not ones they played in the last day;
    random songs fill in when the history says too little."""
    just_played = set(
        SongPlay.objects.filter(
            user=user, played_at__gte=timezone.now() - RECENTLY_PLAYED_WINDOW
        ).values_list("song_id", flat=True)
    )
    artists = _favourite_artists(user)
    picks: list[int] = []
    if artists:
        rank = {name: index for index, name in enumerate(artists)}
        candidates = (
            Song.objects.annotate(name=Lower("artist")).filter(name__in=artists).values_list("id", "name")
        )
        shuffle = random.Random()  # noqa: S311 - variety, not security
        ordered = sorted(
            (rank[name], shuffle.random(), song_id)
            for song_id, name in candidates
            if song_id not in just_played
        )
        picks = [song_id for _, _, song_id in ordered[:MADE_FOR_YOU_COUNT]]
    picks += _random_ids(MADE_FOR_YOU_COUNT - len(picks), exclude=set(picks) | just_played)
    return _songs_by_ids(picks)


def platform_stats() -> dict[str, int]:
    """Seed 003's stats: songs, albums, users and distinct artists."""
    artists = set(Song.objects.annotate(name=Lower("artist")).values_list("name", flat=True))
    artists |= set(Album.objects.annotate(name=Lower("artist")).values_list("name", flat=True))
    return {
        "total_songs": Song.objects.count(),
        "total_albums": Album.objects.count(),
        "total_users": get_user_model().objects.filter(is_active=True).count(),
        "total_artists": len(artists),
    }
