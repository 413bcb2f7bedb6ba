"""`python -m core.daphne_server …`: daphne's own command line, with secrets kept out of its access log.

The daphne command writes its access log (one line per request, the full URL with its query) straight
to a stream, not through `logging`, so the log filter cannot reach it. This entry point takes exactly
daphne's arguments and redacts secret query parameters (OAuth `code`/`state`, signed-link tokens,
keys: `core.log_redaction`) from every action the server logs.
"""

from __future__ import annotations

from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

from core.log_redaction import redact_query


class RedactingServer(Server):
    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if isinstance(details.get("path"), str):
            details = {**details, "path": redact_query(details["path"])}
        super().log_action(protocol, action, details)


class RedactingCommandLineInterface(CommandLineInterface):
    server_class = RedactingServer


if __name__ == "__main__":
    RedactingCommandLineInterface.entrypoint()
