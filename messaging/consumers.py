"""`ws/messages/`: a signed-in user's live feed of the messages sent to them.

The socket joins the user's group (`user-<id>`, where `message_send` announces each new message once
it is stored) and passes every `message.new` on as `{"event": "message.new", "data": <message>}`, the
API's shape of a message. Anonymous sockets are accepted and closed at once with 4401, so a browser
sees why and does not retry.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.consumers import ListenOnlyMixin
from messaging.services import NEW_MESSAGE_EVENT, user_group

CLOSE_NOT_SIGNED_IN = 4401


class MessageConsumer(ListenOnlyMixin, AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        # Accept first: a browser sees the close code of an accepted socket, not of a refused handshake.
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def message_new(self, event: dict[str, Any]) -> None:
        """`message.new` from `messaging.services.message_send`."""
        await self.send_json({"event": NEW_MESSAGE_EVENT, "data": event["message"]})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
