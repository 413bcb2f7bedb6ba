"""Request body parsers for every DRF view (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

Python's JSON decoder recurses once per nesting level, so `[[[[…]]]]` fifty thousand deep raises
RecursionError, which DRF's parser does not catch: the client got a 500. Here it is a 400
`parse_error`, like any other body that is not JSON. So is a string with a lone surrogate (JSON may
spell `\\ud800`, which decodes to text no database stores and no UTF-8 answer can echo: a choice
field's "not a valid choice" error quoting it was a 500).
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than the decoder can follow is a 400, not a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deep.") from exc
        if not _all_unicode(data):
            raise ParseError(
                "JSON parse error - the document holds text that is not valid Unicode (a lone surrogate)."
            )
        return data


def _all_unicode(data: Any) -> bool:
    """Whether every string (keys included) encodes as UTF-8; walked without recursion."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


# The parsers a view that accepts uploads lists itself (multipart first, for its file fields).
UPLOAD_PARSERS = [parsers.MultiPartParser, parsers.FormParser, JSONParser]
