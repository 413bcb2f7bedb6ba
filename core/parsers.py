"""Request body parsers for every DRF view (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

Python's JSON decoder recurses once per nesting level, so `[[[[…]]]]` fifty thousand deep raises
RecursionError, which DRF's parser does not catch: the client got a 500. Here it is a 400
`parse_error`, like any other body that is not JSON.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than the decoder can follow is a 400, not a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deep.") from exc


# The parsers a view that accepts uploads lists itself (multipart first, for its file fields).
UPLOAD_PARSERS = [parsers.MultiPartParser, parsers.FormParser, JSONParser]
