"""What the live sockets share."""

from __future__ import annotations

from typing import Any


class ListenOnlyMixin:
    """For a socket that only sends (messages, rooms): what the client sends is ignored, undecoded.

    Channels' JSON consumer decodes every frame first: a binary frame, text that is not JSON, or
    JSON nested too deep for the decoder raised inside the consumer and dropped the connection
    with a logged error.
    """

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        return None
