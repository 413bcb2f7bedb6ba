"""Secret query parameters never reach a log: OAuth `code`/`state`, signed-link tokens, API keys.

Every HTTP server writes an access line with the full URL, query included: Spotify's callback
`/spotify/redirect?code=…&state=…` would put a live authorization code in the logs. The servers log
through their own loggers (`django.server` for runserver, `django.channels.server` for daphne's
runserver, `uvicorn.access`, `gunicorn.access`), configured by the servers themselves, so the filter
is attached to those loggers when Django starts (`CoreConfig.ready`, names in `LOG_REDACTED_LOGGERS`)
and to the project's console handler (LOGGING). It rewrites only the values, in place, keeping each
record's argument shapes (uvicorn's formatter unpacks its arguments). The daphne command line writes
its access log to a stream, not through logging: run it as `python -m core.daphne_server`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[redacted]"

# Parameter names (lower case) whose values are credentials or one-time secrets.
SECRET_QUERY_PARAMETERS = frozenset(
    {
        "code",  # OAuth authorization code
        "state",  # OAuth state (binds the callback to the flow)
        "token",  # signed stream links
        "access_token",
        "refresh_token",
        "id_token",
        "key",
        "api_key",
        "apikey",
        "sig",
        "signature",
        "secret",
        "client_secret",
        "password",
        "npsso",
        "ticket",
    }
)

# `name=value` at the start of a text (a bare query string, as gunicorn's `%(q)s`) or after ? & ;
_PARAMETER = re.compile(r"(?P<lead>(?:^|[?&;])(?P<name>[^=&;?#\s\"']+)=)(?P<value>[^&;#\s\"']*)")


def redact_query(text: str) -> str:
    """The text with the value of every secret query parameter replaced by `[redacted]`."""
    if "=" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        if match["value"] and unquote_plus(match["name"]).lower() in SECRET_QUERY_PARAMETERS:
            return match["lead"] + REDACTED
        return match[0]

    return _PARAMETER.sub(replace, text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_query(value)
    if isinstance(value, bytes):
        return redact_query(value.decode("latin-1")).encode("latin-1")
    return value


class RedactSecretsFilter(logging.Filter):
    """Redacts secret query parameter values in a record's message and arguments; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):  # in place: gunicorn's atoms are a dict subclass it relies on
            for key, value in list(args.items()):
                args[key] = _redact(value)
        elif isinstance(args, Mapping):
            record.args = {key: _redact(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_redact(value) for value in args)
        return True


def attach_redaction(logger_names: Iterable[str]) -> None:
    """Adds the filter to each named logger once (the servers configure these loggers themselves)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecretsFilter) for existing in logger.filters):
            logger.addFilter(RedactSecretsFilter())
