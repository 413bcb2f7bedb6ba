"""`python -m core.daphne_server …`: daphne's own command line, hardened for the internet.

Takes exactly daphne's arguments and changes two things:
- **Secrets stay out of its access log.** The daphne command writes one line per request (the full
  URL with its query) straight to a stream, not through `logging`, so the log filter cannot reach it:
  secret query parameters (OAuth `code`/`state`, signed-link tokens, keys: `core.log_redaction`) are
  redacted from every action the server logs.
- **An oversized body is refused before it is stored.** Twisted copies a request's whole body into a
  temporary file before daphne hands the request to the application, so the ASGI guard
  (`core.request_limits.RequestBodyLimit`) would see it only once it is on disk. Here the body limit
  is checked as the headers arrive (a declared Content-Length) and as a chunked body grows; past it
  the client gets a 413 and the connection is closed, with nothing written.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from daphne import server as daphne_server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server

from core.log_redaction import redact_query
from core.request_limits import body_limit, too_large_body


class BodyLimitedRequest(WebRequest):
    """A daphne request that stops reading a body past the path's limit (see the module)."""

    body_refused = False
    body_received = 0
    body_allowed = 0

    def gotLength(self, length: int | None) -> None:  # Twisted names it
        raw_path = getattr(self.channel, "_path", b"/") or b"/"
        path_info = unquote(raw_path.split(b"?", 1)[0].decode("latin-1")) or "/"
        self.body_allowed = body_limit(path_info)
        if length is not None and length > self.body_allowed:
            self._refuse()
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:  # Twisted names it
        if self.body_refused:
            return
        self.body_received += len(data)
        if self.body_received > self.body_allowed:
            self._refuse()
            return
        super().handleContentChunk(data)

    def allContentReceived(self) -> None:  # Twisted names it
        if not self.body_refused:
            super().allContentReceived()

    def _refuse(self) -> None:
        """Answer 413 on the connection itself (the request never reaches the application)."""
        self.body_refused = True
        self.content = None
        body = json.dumps(too_large_body(self.body_allowed)).encode()
        head = (
            "HTTP/1.1 413 Content Too Large\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        self.channel.transport.write(head + body)
        self.channel.transport.loseConnection()


class BodyLimitedHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr: Any) -> Any:  # Twisted names it
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = BodyLimitedRequest
        return protocol


class RedactingServer(Server):
    def run(self) -> None:
        # Server.run builds its HTTP factory from the module's name; point that name at ours.
        daphne_server.HTTPFactory = BodyLimitedHTTPFactory
        super().run()

    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if isinstance(details.get("path"), str):
            details = {**details, "path": redact_query(details["path"])}
        super().log_action(protocol, action, details)


class RedactingCommandLineInterface(CommandLineInterface):
    server_class = RedactingServer


if __name__ == "__main__":
    RedactingCommandLineInterface.entrypoint()
