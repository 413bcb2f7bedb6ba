"""`ws/rooms/<code>/`: a member's live view of a room (seed 002).

On connect the socket gets `{"event": "state", "data": {...}}`, then every change the services announce to
the room's group (`settings`, `members`, `song`, `playback`, `votes`, `closed`) and the poller's `progress`
and `error`, each as `{"event": ..., "data": ...}`. Close codes: 4403 not a member of the room, 4404 no such
room, 4410 the host closed the room (do not reconnect).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache

from core.consumers import ListenOnlyMixin
from rooms.models import Room, Vote
from rooms.poller import RoomPoller, progress_key, room_poller_join
from rooms.services import Identity, RoomNotFound, member_of, room_get, room_group, room_members

CLOSE_NOT_A_MEMBER = 4403
CLOSE_NO_ROOM = 4404
CLOSE_ROOM_CLOSED = 4410


def _identity(scope: dict[str, Any]) -> Identity | None:
    """The signed-in user (session cookie), else the anonymous guest's session; None for neither."""
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return Identity(user=user, session_key="")
    session = scope.get("session")
    session_key = session.session_key if session is not None else None
    return Identity(user=None, session_key=session_key) if session_key else None


def _admit(code: str, who: Identity | None) -> tuple[Room, int] | None:
    """The room and the member's id; None when `who` is not in the room. Raises RoomNotFound."""
    room = room_get(code=code)
    member = member_of(room, who) if who is not None else None
    return (room, member.pk) if member is not None else None


def _stored_song(room: Room) -> dict[str, Any] | None:
    """The song the room last saw, with the poller's latest progress when it is about that song."""
    if not room.song_id:
        return None
    progress = cache.get(progress_key(room.code)) or {}
    fresh = progress.get("song_id") == room.song_id
    return {
        "title": room.song_title,
        "artist": room.song_artist,
        "album_art": room.song_album_art,
        "duration_ms": room.song_duration_ms,
        "progress_ms": progress["progress_ms"] if fresh else None,  # the next `progress` event tells
        "is_playing": progress["is_playing"] if fresh else None,
        "votes": Vote.objects.filter(room=room, song_id=room.song_id).count(),
        "votes_required": room.votes_to_skip,
        "id": room.song_id,
    }


def _state(code: str, member_id: int) -> dict[str, Any]:
    room = room_get(code=code)
    return {
        "room": {
            "code": room.code,
            "guest_can_pause": room.guest_can_pause,
            "votes_to_skip": room.votes_to_skip,
        },
        "member_id": member_id,
        "is_host": room.members.filter(pk=member_id, user_id=room.host_id).exists(),
        "members": room_members(room),
        "song": _stored_song(room),
    }


class RoomConsumer(ListenOnlyMixin, AsyncJsonWebsocketConsumer):
    code: str = ""
    member_id: int | None = None
    poller: RoomPoller | None = None

    async def connect(self) -> None:
        self.code = self.scope["url_route"]["kwargs"]["code"].upper()
        # Accept first: a browser sees the close code of an accepted socket, not of a refused handshake.
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        try:
            admitted = await database_sync_to_async(_admit)(self.code, _identity(self.scope))
        except RoomNotFound:
            await self.close(code=CLOSE_NO_ROOM)
            return
        if admitted is None:
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        self.member_id = admitted[1]
        # Join before reading the state, so no change falls between the two.
        await self.channel_layer.group_add(room_group(self.code), self.channel_name)
        self.poller = room_poller_join(self.code)
        try:
            state = await database_sync_to_async(_state)(self.code, self.member_id)
        except RoomNotFound:  # closed in between
            await self._leave()
            await self.close(code=CLOSE_ROOM_CLOSED)
            return
        await self.send_json({"event": "state", "data": state})

    async def room_event(self, message: dict[str, Any]) -> None:
        """A change announced to the room's group, passed on as it is."""
        if self.member_id is None:
            return
        event, data = message["event"], message.get("data") or {}
        await self.send_json({"event": event, "data": data})
        if event == "closed":
            await self._leave()
            await self.close(code=CLOSE_ROOM_CLOSED)
        elif event == "members" and self.member_id not in {m["id"] for m in data.get("members", [])}:
            await self._leave()  # this member left the room (from another tab or device)
            await self.close(code=CLOSE_NOT_A_MEMBER)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        if self.member_id is None:
            return
        self.member_id = None
        await self.channel_layer.group_discard(room_group(self.code), self.channel_name)
        if self.poller is not None:
            self.poller.leave()
            self.poller = None
