"""Rooms (seed 002): the host's Spotify, shared. Guests join by code; pause rights and skip votes
follow the room's rules; every change is announced to the room's channel group."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import AppError, Conflict, InvalidInput, NotFound, PermissionDenied
from credentials.spotify_connection import spotify_call
from credentials.spotify_oauth import SpotifyReconnectRequired
from listening.services import listen_record
from providers import base as provider_errors
from providers.spotify import PlaybackState
from rooms.models import Member, Room, Vote
from users.models import User, UserApiKey
from users.provider_errors import app_error_from

logger = logging.getLogger(__name__)


class RoomNotFound(NotFound):
    code = ErrorCode.ROOM_NOT_FOUND
    default_message = "Room not found"


@dataclass(frozen=True)
class Identity:
    """Who is asking: a signed-in user, or an anonymous guest's session."""

    user: User | None
    session_key: str

    def member_filter(self) -> dict[str, Any]:
        return {"user": self.user} if self.user is not None else {"session_key": self.session_key}


@dataclass(frozen=True)
class CurrentSong:
    title: str
    artist: str
    album_art: str
    duration_ms: int
    progress_ms: int
    is_playing: bool
    votes: int
    votes_required: int
    id: str


def room_group(code: str) -> str:
    return f"room-{code}"


def room_announce(code: str, event: str, data: dict[str, Any] | None = None) -> None:
    """Tells everyone in the room (after the commit); a channel layer that fails never fails the change."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                room_group(code), {"type": "room.event", "event": event, "data": data or {}}
            )
        except Exception:  # the change is made; members will catch up on their next poll
            logger.exception("Could not announce %s to room %s", event, code)

    transaction.on_commit(send)


def room_get(*, code: str) -> Room:
    room = Room.objects.select_related("host").filter(code=code.upper()).first()
    if room is None:
        raise RoomNotFound()
    return room


def member_of(room: Room, who: Identity) -> Member | None:
    return room.members.filter(**who.member_filter()).first()


def is_host(room: Room, who: Identity) -> bool:
    return who.user is not None and who.user.pk == room.host_id


def room_members(room: Room) -> list[dict[str, Any]]:
    """Who is in the room, as everyone may see them: names of users, "Guest" for the others."""
    return [
        {
            "id": member.pk,
            "name": (member.user.full_name or "Listener") if member.user else "Guest",
            "is_host": member.user_id == room.host_id,
        }
        for member in room.members.select_related("user")
    ]


# --- rooms ---------------------------------------------------------------------------------------


def room_create(*, host: User, guest_can_pause: bool, votes_to_skip: int) -> Room:
    """Seed 002: a host's room (creating again updates it). The host must have Spotify connected."""
    if votes_to_skip < 1:
        raise InvalidInput("votes_to_skip must be at least 1.", field="votes_to_skip")
    if not UserApiKey.objects.filter(user=host, service_name="spotify").exists():
        raise Conflict(
            "Connect Spotify first (Create a room, then Connect Spotify): a room plays the host's Spotify.",
            code=ErrorCode.SPOTIFY_NOT_CONNECTED,
        )
    with transaction.atomic():
        room, created = Room.objects.select_for_update().get_or_create(
            host=host, defaults={"guest_can_pause": guest_can_pause, "votes_to_skip": votes_to_skip}
        )
        if not created:
            room.guest_can_pause, room.votes_to_skip = guest_can_pause, votes_to_skip
            room.save(update_fields=["guest_can_pause", "votes_to_skip", "updated_at"])
        Member.objects.filter(user=host).exclude(room=room).delete()
        Member.objects.get_or_create(room=room, user=host)
    room_announce(
        room.code, "settings", {"guest_can_pause": room.guest_can_pause, "votes_to_skip": room.votes_to_skip}
    )
    logger.info("User %s opened room %s", host.pk, room.code)
    return room


def room_update(*, room: Room, by: Identity, **changes: Any) -> Room:
    if not is_host(room, by):
        raise PermissionDenied("Only the host can change the room.")
    if "votes_to_skip" in changes and changes["votes_to_skip"] < 1:
        raise InvalidInput("votes_to_skip must be at least 1.", field="votes_to_skip")
    for name in ("guest_can_pause", "votes_to_skip"):
        if name in changes:
            setattr(room, name, changes[name])
    room.save(update_fields=["guest_can_pause", "votes_to_skip", "updated_at"])
    room_announce(
        room.code, "settings", {"guest_can_pause": room.guest_can_pause, "votes_to_skip": room.votes_to_skip}
    )
    return room


def room_join(*, room: Room, who: Identity) -> Member:
    """Joins (leaving any other room first); joining again changes nothing."""
    with transaction.atomic():
        Member.objects.filter(**who.member_filter()).exclude(room=room).delete()
        try:
            with transaction.atomic():
                member, created = Member.objects.get_or_create(room=room, **who.member_filter())
        except IntegrityError:  # the same person joining twice at once
            member, created = Member.objects.get(room=room, **who.member_filter()), False
    if created:
        room_announce(room.code, "members", {"members": room_members(room)})
    return member


def room_leave(*, room: Room, who: Identity) -> bool:
    """Leaves the room; the host leaving closes it for everyone. True when the room closed."""
    if is_host(room, who):
        code = room.code
        with transaction.atomic():
            room.delete()
            room_announce(code, "closed", {"reason": "The host closed the room."})
        logger.info("Room %s closed by its host", code)
        return True
    deleted, _ = Member.objects.filter(room=room, **who.member_filter()).delete()
    if deleted:
        room_announce(room.code, "members", {"members": room_members(room)})
    return False


def room_of(*, who: Identity) -> Room | None:
    member = Member.objects.select_related("room", "room__host").filter(**who.member_filter()).first()
    return member.room if member else None


# --- the host's player -----------------------------------------------------------------------------


def _spotify(room: Room, call):
    """Runs a call on the host's Spotify; Spotify's answers become clear errors for the room."""
    try:
        return spotify_call(user=room.host, call=call)
    except provider_errors.NoActiveDevice as exc:
        raise AppError(
            "Open Spotify on a device first: the host has no active Spotify device.",
            status=404,
            code=ErrorCode.NO_ACTIVE_DEVICE,
        ) from exc
    except provider_errors.PremiumRequired as exc:
        raise PermissionDenied(
            "Spotify Premium is required to control playback: the host's account is not Premium.",
            code=ErrorCode.PREMIUM_REQUIRED,
        ) from exc
    except SpotifyReconnectRequired as exc:
        raise Conflict(
            "The host's Spotify connection has expired: the host must connect Spotify again.",
            code=ErrorCode.HOST_RECONNECT_REQUIRED,
        ) from exc
    except provider_errors.ProviderError as exc:
        raise app_error_from(exc) from None


def _credit_members(room: Room) -> int:
    """Adds the song that just ended to the history of every signed-in member (once)."""
    if not (room.song_id and room.song_title and room.song_started_at):
        return 0
    return listen_record(
        user_ids=room.members.filter(user__isnull=False).values_list("user_id", flat=True),
        title=room.song_title,
        artist=room.song_artist,
        album=room.song_album,
        played_at=room.song_started_at,
        source="room",
        duration_ms=room.song_duration_ms,
        album_thumbnail=room.song_album_art,
        track_url=f"https://open.spotify.com/track/{room.song_id}",
    )


_SONG_FIELDS = (
    "song_id",
    "song_title",
    "song_artist",
    "song_album",
    "song_album_art",
    "song_duration_ms",
    "song_started_at",
)


def _observe(room: Room, state: PlaybackState | None) -> bool:
    """Records what the host's player is playing; a new song credits the last one and clears votes.
    True when the song changed."""
    item = state.item if state else None
    song_id = (item.id or item.uri or item.name) if item else ""
    if song_id == room.song_id:
        return False
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if song_id == locked.song_id:
            # Another request or process (the poller) recorded it since `room` was read: the caller
            # goes on with it (a guest's vote counts for it instead of finding nothing playing).
            for field in _SONG_FIELDS:
                setattr(room, field, getattr(locked, field))
            return False
        _credit_members(locked)
        Vote.objects.filter(room=locked).delete()
        started = timezone.now() - timedelta(milliseconds=state.progress_ms or 0) if item and state else None
        for target in (locked, room):
            target.song_id = song_id
            target.song_title = item.name if item else ""
            target.song_artist = item.artist if item else ""
            target.song_album = item.album.name if item and item.album else ""
            target.song_album_art = (item.image_url or "") if item else ""
            target.song_duration_ms = item.duration_ms if item else 0
            target.song_started_at = started
        locked.save()
    return True


def room_current_song(*, room: Room) -> CurrentSong | None:
    """Seed 002's current song, from the host's Spotify; None when nothing plays."""
    state = _spotify(room, lambda client: client.currently_playing())
    changed = _observe(room, state)
    if state is None or state.item is None:
        if changed:
            room_announce(room.code, "song", {"song": None})
        return None
    item = state.item
    song = CurrentSong(
        title=item.name,
        artist=item.artist,
        album_art=item.image_url or "",
        duration_ms=item.duration_ms,
        progress_ms=state.progress_ms or 0,
        is_playing=state.is_playing,
        votes=Vote.objects.filter(room=room, song_id=room.song_id).count(),
        votes_required=room.votes_to_skip,
        id=room.song_id,
    )
    if changed:
        room_announce(room.code, "song", {"song": asdict(song)})
    return song


def _require_member(room: Room, who: Identity) -> Member:
    member = member_of(room, who)
    if member is None:
        raise PermissionDenied("Join the room first.", code=ErrorCode.NOT_A_MEMBER)
    return member


def _may_control(room: Room, who: Identity) -> None:
    _require_member(room, who)
    if not (is_host(room, who) or room.guest_can_pause):
        raise PermissionDenied(
            "Only the host can pause or play in this room.", code=ErrorCode.GUEST_CANNOT_PAUSE
        )


def room_pause(*, room: Room, who: Identity) -> None:
    _may_control(room, who)
    _spotify(room, lambda client: client.pause())
    room_announce(room.code, "playback", {"is_playing": False})


def room_play(*, room: Room, who: Identity) -> None:
    _may_control(room, who)
    _spotify(room, lambda client: client.play())
    room_announce(room.code, "playback", {"is_playing": True})


@dataclass(frozen=True)
class SkipResult:
    skipped: bool
    votes: int
    votes_required: int


def room_vote_skip(*, room: Room, who: Identity) -> SkipResult:
    """The host skips at once; a guest's vote counts once; enough votes skip the song."""
    member = _require_member(room, who)
    if is_host(room, who):
        _skip(room)
        return SkipResult(skipped=True, votes=0, votes_required=room.votes_to_skip)
    if not room.song_id:
        room_current_song(room=room)
    if not room.song_id:
        raise Conflict("Nothing is playing: there is no song to vote away.", code=ErrorCode.NOTHING_PLAYING)
    Vote.objects.get_or_create(room=room, member=member, song_id=room.song_id)
    votes = Vote.objects.filter(room=room, song_id=room.song_id).count()
    if votes >= room.votes_to_skip:
        _skip(room)
        return SkipResult(skipped=True, votes=0, votes_required=room.votes_to_skip)
    room_announce(room.code, "votes", {"votes": votes, "votes_required": room.votes_to_skip})
    return SkipResult(skipped=False, votes=votes, votes_required=room.votes_to_skip)


def _skip(room: Room) -> None:
    _spotify(room, lambda client: client.next())
    Vote.objects.filter(room=room).delete()
    room_announce(room.code, "votes", {"votes": 0, "votes_required": room.votes_to_skip})
    room_current_song(room=room)  # the new song, credits and announcement
