"""A ListenBrainz submission checked the way the ListenBrainz server checks it: bytes in, listens out.

Every refusal is a `ListenBrainzError` with the status and the message ListenBrainz answers for that
case, so a client that shows the server's message shows the same one here. The checks run in the
server's order, and the whole request is checked before anything is stored: one bad listen refuses
the request. Pure Python, no Django: the API view and the tests call it directly.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_LISTENS_PER_REQUEST = 1000
MAX_LISTEN_SIZE = 10240  # bytes a listen may take on average in the body
MAX_PAYLOAD_SIZE = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST  # 10,240,000 bytes
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
MAX_DURATION = 24 * 24 * 60 * 60  # seconds: 24 days
MAX_DURATION_MS = MAX_DURATION * 1000
# 2002-10-01 00:00 UTC. ListenBrainz's own message names 1033410600, a slip it has kept: so do we.
LISTEN_MINIMUM_TS = 1033430400
LISTENED_AT_ALLOWED_SKEW = 3600  # a listen may be up to an hour in the future (clock skew)

SINGLE = "single"
IMPORT = "import"
PLAYING_NOW = "playing_now"
LISTEN_TYPES = (SINGLE, IMPORT, PLAYING_NOW)

SINGLE_MBID_KEYS = ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid")
MULTIPLE_MBID_KEYS = ("artist_mbids", "work_mbids")
MAX_DEPTH = 32  # nesting of a listen's JSON (additional_info is free-form)


class ListenBrainzError(Exception):
    """An answer in ListenBrainz's error shape: `{"code": status, "error": message}`, plus the keys of the
    listen it is about (ListenBrainz echoes them)."""

    def __init__(self, message: str, *, status: int = 400, listen: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.listen = listen if isinstance(listen, dict) else None

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(self.listen or {})
        body["code"] = self.status
        body["error"] = self.message
        return body


@dataclass(frozen=True)
class Submission:
    listen_type: str
    listens: list[dict[str, Any]]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or the ListenBrainz refusal for a body that is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise ListenBrainzError(f"Cannot parse JSON document: {reason}") from None


def parse_submission(raw: bytes, *, now: Callable[[], float] = time.time) -> Submission:
    """Checks a `submit-listens` body; returns the listens, normalised as ListenBrainz stores them."""
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise ListenBrainzError(
            "Invalid JSON document submitted. Top level of JSON document should be a json object."
        )
    payload = data.get("payload")
    if not isinstance(payload, list):
        raise ListenBrainzError("The payload in the JSON document should be a list of listens.")
    if not payload:
        raise ListenBrainzError("JSON document does not contain any listens")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise ListenBrainzError(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once."
        )
    if len(raw) > MAX_PAYLOAD_SIZE:
        raise ListenBrainzError(f"Payload too large. Payload cannot exceed {MAX_PAYLOAD_SIZE} bytes")
    if len(raw) > MAX_LISTEN_SIZE * len(payload):
        raise ListenBrainzError(
            f"JSON document is too large. Each listens may not be larger than {MAX_LISTEN_SIZE} bytes."
        )
    listen_type = data.get("listen_type")
    if not isinstance(listen_type, str) or listen_type not in LISTEN_TYPES:
        raise ListenBrainzError("JSON document requires a valid listen_type key.")
    if listen_type in (SINGLE, PLAYING_NOW) and len(payload) > 1:
        raise ListenBrainzError(
            "JSON document contains more than listen for a single/playing_now. It should contain only one."
        )
    current = int(now())
    return Submission(listen_type, [validate_listen(listen, listen_type, now=current) for listen in payload])


def validate_listen(listen: Any, listen_type: str, *, now: int) -> dict[str, Any]:
    """One listen, checked and normalised in place (names stripped, durations as ints, empty MBIDs gone)."""
    if listen is None:
        raise ListenBrainzError("Listen is empty and cannot be validated.")
    if not isinstance(listen, dict):
        raise ListenBrainzError("Each listen in the payload should be a JSON object.")
    with_null = _first_unicode_null(listen)
    if listen_type in (SINGLE, IMPORT):
        _validate_listened_at(listen, now=now)
        if "track_metadata" not in listen:
            raise ListenBrainzError(
                "JSON document must contain the key track_metadata at the top level.", listen=listen
            )
        if len(listen) > 2:
            raise ListenBrainzError(
                "JSON document may only contain listened_at and track_metadata top level keys", listen=listen
            )
    else:
        if "listened_at" in listen:
            raise ListenBrainzError(
                "JSON document must not contain listened_at while submitting playing_now.", listen=listen
            )
        if "track_metadata" not in listen:
            raise ListenBrainzError(
                "JSON document must contain the key track_metadata at the top level.", listen=listen
            )
        if len(listen) > 1:
            raise ListenBrainzError(
                "JSON document may only contain track_metadata as top level key when submitting playing_now.",
                listen=listen,
            )
    metadata = listen["track_metadata"]
    if metadata is None:
        raise ListenBrainzError("JSON document may not have track_metadata with null value.", listen=listen)
    if not isinstance(metadata, dict):
        raise ListenBrainzError("track_metadata should be a JSON object.", listen=listen)
    _validate_name(listen, "track_name")
    _validate_name(listen, "artist_name")
    _validate_name(listen, "release_name", required=False)
    if "additional_info" in metadata:
        _validate_additional_info(listen)
    if with_null is not None:
        raise ListenBrainzError(f"{with_null} contains a unicode null", listen=listen)
    return listen


def _validate_listened_at(listen: dict[str, Any], *, now: int) -> None:
    if "listened_at" not in listen:
        raise ListenBrainzError(
            "JSON document must contain the key listened_at at the top level.", listen=listen
        )
    value = listen["listened_at"]
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean is not a time")
        listened_at = int(value)
    except (ValueError, TypeError, OverflowError):
        raise ListenBrainzError(
            "JSON document must contain an int value for listened_at.", listen=listen
        ) from None
    listen["listened_at"] = listened_at
    if listened_at >= now + LISTENED_AT_ALLOWED_SKEW:
        raise ListenBrainzError("Value for key listened_at is too high.", listen=listen)
    if listened_at < LISTEN_MINIMUM_TS:
        raise ListenBrainzError(
            "Value for key listened_at is too low. listened_at timestamp should be greater than "
            "1033410600 (2002-10-01 00:00:00 UTC).",
            listen=listen,
        )


def _validate_name(listen: dict[str, Any], key: str, *, required: bool = True) -> None:
    metadata = listen["track_metadata"]
    if key not in metadata or (not required and metadata[key] is None):
        if required:
            raise ListenBrainzError(
                f"JSON document does not contain required field track_metadata.{key}.", listen=listen
            )
        metadata.pop(key, None)
        return
    value = metadata[key]
    if not isinstance(value, str):
        raise ListenBrainzError(f"track_metadata.{key} must be a single string.", listen=listen)
    value = value.strip()
    if not value:
        if not required:  # an empty album is no album
            del metadata[key]
            return
        raise ListenBrainzError(f"field track_metadata.{key} is empty.", listen=listen)
    metadata[key] = value


def _validate_additional_info(listen: dict[str, Any]) -> None:
    metadata = listen["track_metadata"]
    info = metadata["additional_info"]
    if info is None:
        del metadata["additional_info"]
        return
    if not isinstance(info, dict):
        raise ListenBrainzError("track_metadata.additional_info should be a JSON object.", listen=listen)
    if "tags" in info:
        tags = info["tags"]
        if tags is None:
            tags = []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ListenBrainzError(
                "track_metadata.additional_info.tags should be a list of strings.", listen=listen
            )
        if len(tags) > MAX_TAGS_PER_LISTEN:
            raise ListenBrainzError(
                f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
                "track_metadata.additional_info.tags.",
                listen=listen,
            )
        if any(len(tag) > MAX_TAG_SIZE for tag in tags):
            raise ListenBrainzError(
                "JSON document may not contain track_metadata.additional_info.tags longer than "
                f"{MAX_TAG_SIZE} characters.",
                listen=listen,
            )
    if "duration" in info and "duration_ms" in info:
        raise ListenBrainzError(
            "JSON document should not contain both duration and duration_ms.", listen=listen
        )
    _validate_duration(listen, info, "duration", MAX_DURATION)
    _validate_duration(listen, info, "duration_ms", MAX_DURATION_MS)
    for key in SINGLE_MBID_KEYS:
        if key in info:
            if not info[key]:  # null or "": dropped, as ListenBrainz does
                del info[key]
            elif not is_valid_uuid(info[key]):
                raise ListenBrainzError(f"{key} MBID format invalid.", listen=listen)
    for key in MULTIPLE_MBID_KEYS:
        if key in info:
            mbids = info[key]
            if not mbids:
                del info[key]
                continue
            if not isinstance(mbids, list):
                raise ListenBrainzError(f"{key} MBID format invalid.", listen=listen)
            mbids = [mbid for mbid in mbids if mbid]
            if not all(is_valid_uuid(mbid) for mbid in mbids):
                raise ListenBrainzError(f"{key} MBID format invalid.", listen=listen)
            info[key] = mbids


def _validate_duration(listen: dict[str, Any], info: dict[str, Any], key: str, most: int) -> None:
    if key not in info:
        return
    value = info[key]
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean is not a duration")
        number = int(value)
    except (ValueError, TypeError, OverflowError):
        raise ListenBrainzError(
            f"Value for {key} is invalid, should be a positive integer.", listen=listen
        ) from None
    if number <= 0:
        raise ListenBrainzError(f"Value for {key} is invalid, should be a positive integer.", listen=listen)
    if number > most:
        raise ListenBrainzError(f"Value for {key} is too large, max permitted value is {most}", listen=listen)
    info[key] = number


def is_valid_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON's `\\ud800`): no database can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _first_unicode_null(listen: dict[str, Any]) -> str | None:
    """The first string holding U+0000 (PostgreSQL stores it in neither text nor JSON), if any. Walked
    without recursion; nesting deeper than MAX_DEPTH is refused here, before any error could echo it."""
    found: str | None = None
    pending: list[tuple[Any, int]] = [(listen, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if found is None and "\x00" in item:
                found = item
            if not _is_unicode(item):
                raise ListenBrainzError(
                    "JSON document contains text that is not valid Unicode (a lone surrogate)."
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise ListenBrainzError(f"JSON document may not be nested more than {MAX_DEPTH} levels deep.")
        if isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        else:
            pending.extend((child, depth + 1) for child in item)
    return found
