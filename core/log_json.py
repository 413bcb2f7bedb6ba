"""LOG_FORMAT=json: one JSON object per line (python-json-logger), with nothing secret in it.

Beside the message, python-json-logger writes every `extra` attribute of a record. Django's own
records carry the request object (`django.request` warns on every 4xx/5xx with `extra={"request":
…}`), whose text is the full URL, OAuth `code` included. So only plain values (text, numbers,
booleans) are written, and every text goes through the same redaction as the message
(core/log_redaction.py); an object is dropped rather than turned into text.
"""

from __future__ import annotations

from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from core.log_redaction import redact_query

_PLAIN = (str, int, float, bool, type(None))


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter, keeping only redacted plain values."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for key, value in log_data.items():
            if not isinstance(value, _PLAIN):
                continue
            cleaned[key] = redact_query(value) if isinstance(value, str) else value
        return super().process_log_record(cleaned)
