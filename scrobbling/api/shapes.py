"""Listens in the ListenBrainz API's JSON shape (`/1/user/<name>/listens`, playing-now)."""

from __future__ import annotations

import uuid
from typing import Any

from listening.models import Source

_MSID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "musichub:recording_msid")
MUSIC_SERVICES = {Source.SPOTIFY: "spotify.com", Source.LASTFM: "last.fm"}


def recording_msid(*, artist: str, title: str, album: str) -> str:
    """A stable id for what was played (the same artist, title and album: the same id), in the place
    where ListenBrainz puts its MessyBrainz id."""
    key = "\n".join(part.strip().casefold() for part in (artist, title, album))
    return str(uuid.uuid5(_MSID_NAMESPACE, key))


def _additional_info(row: dict[str, Any]) -> dict[str, Any]:
    if row["source"] == Source.LISTENBRAINZ and isinstance(row["additional_info"], dict):
        return dict(row["additional_info"])
    info: dict[str, Any] = {"submission_client": "MusicHub", "musichub_source": row["source"]}
    service = MUSIC_SERVICES.get(row["source"])
    if service:
        info["music_service"] = service
    if row["duration_ms"]:
        info["duration_ms"] = row["duration_ms"]
    if row["track_mbid"]:
        info["recording_mbid"] = row["track_mbid"]
    if row["album_mbid"]:
        info["release_mbid"] = row["album_mbid"]
    if row["artist_mbid"]:
        info["artist_mbids"] = [row["artist_mbid"]]
    if row["track_url"]:
        info["origin_url"] = row["track_url"]
    return info


def listen_json(row: dict[str, Any], *, user_name: str) -> dict[str, Any]:
    msid = recording_msid(artist=row["artist"], title=row["title"], album=row["album"])
    info = _additional_info(row)
    info["recording_msid"] = msid
    metadata: dict[str, Any] = {"artist_name": row["artist"], "track_name": row["title"]}
    if row["album"]:
        metadata["release_name"] = row["album"]
    metadata["additional_info"] = info
    return {
        "listened_at": int(row["played_at"].timestamp()),
        "inserted_at": int(row["created_at"].timestamp()),
        "recording_msid": msid,
        "user_name": user_name,
        "track_metadata": metadata,
    }


def playing_now_json(track_metadata: dict[str, Any], *, user_name: str) -> dict[str, Any]:
    return {"track_metadata": track_metadata, "user_name": user_name, "playing_now": True}
