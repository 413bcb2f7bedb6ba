"""Every `code` the API and the WebSockets can answer, in one catalogue.

An error's `code` is the stable part of an answer that programs branch on (its `detail` is for
people and may change). Services raise `core.errors.AppError`s with one of these; the schema lists
them all in its `Error` component (core/schema.py), and tests/core/test_error_codes.py fails when a
code is used that is not here.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # --- Any request ---------------------------------------------------------------------------
    INVALID = "invalid"  # input that fails validation; the body names each field
    BAD_REQUEST = "bad_request"  # a body that could not be read
    PARSE_ERROR = "parse_error"  # JSON that does not parse (or nests too deep)
    NOT_AUTHENTICATED = "not_authenticated"  # no credential where one is needed
    AUTHENTICATION_FAILED = "authentication_failed"  # a credential that is wrong or revoked
    TOKEN_NOT_VALID = "token_not_valid"  # noqa: S105 - a JWT that is bad, expired, or older than the password
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"  # includes another user's object
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    CONFLICT = "conflict"
    REQUEST_TOO_LARGE = "request_too_large"  # a body over its limit (413)
    TOO_MANY_FIELDS = "too_many_fields"
    TOO_MANY_FILES = "too_many_files"
    INVALID_CURSOR = "invalid_cursor"  # a list cursor the list did not hand out
    THROTTLED = "throttled"  # over a request budget (429, Retry-After)
    RATE_LIMITED = "rate_limited"
    RATE_LIMIT_WAIT_EXCEEDED = "rate_limit_wait_exceeded"  # a provider's budget would need too long a wait
    SERVER_BUSY = "server_busy"  # no database connection in time (503, Retry-After)
    SERVER_ERROR = "server_error"  # a bug: logged with its traceback
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"

    # --- A field's problem (the body names the field) ------------------------------------------
    REQUIRED = "required"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"
    MAX_LENGTH = "max_length"
    DUPLICATE = "duplicate"
    MISMATCH = "mismatch"  # two password fields
    WEAK_PASSWORD = "weak_password"  # noqa: S105 - a code, not a password
    USER_NAME_TAKEN = "user_name_taken"
    INVALID_IMAGE = "invalid_image"
    INVALID_AUDIO = "invalid_audio"
    INVALID_KEY = "invalid_key"  # a vault key the service refused
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_USER = "unknown_user"
    SELF = "self"  # a message to oneself

    # --- Keys, Spotify and sync ---------------------------------------------------------------
    API_KEY_MISSING = "api_key_missing"
    SPOTIFY_NOT_CONFIGURED = "spotify_not_configured"
    SPOTIFY_RECONNECT_REQUIRED = "spotify_reconnect_required"
    SPOTIFY_NOT_CONNECTED = "spotify_not_connected"
    SPOTIFY_APP_FULL = "spotify_app_full"  # the server's Spotify app serves all the users it may
    SPOTIFY_USER_NOT_REGISTERED = "spotify_user_not_registered"  # not on the app's development-mode list
    INVALID_STATE = "invalid_state"  # an OAuth state that is unknown, used or expired
    WRONG_BROWSER = "wrong_browser"  # an OAuth callback in another browser than the one that started
    ACCESS_DENIED = "access_denied"  # the user said no on the provider's consent page
    SYNC_IN_PROGRESS = "sync_in_progress"
    LASTFM_USERNAME_MISSING = "lastfm_username_missing"
    SPOTIFY_FETCH_FAILED = "spotify_fetch_failed"
    LASTFM_API_ERROR = "lastfm_api_error"

    # --- Export file imports (listening/import_jobs.py) ------------------------------------------
    IMPORT_UNKNOWN_FORMAT = "import_unknown_format"  # a file (or ZIP) holding none of the formats read
    IMPORT_UNSAFE_ARCHIVE = "import_unsafe_archive"  # too many entries, too big, too compressed, a bad path
    IMPORT_MALFORMED = "import_malformed"  # the file stops being its format halfway (rows before it kept)
    IMPORT_FILE_MISSING = "import_file_missing"  # the stored upload is gone (the job cannot resume)
    IMPORT_FINISHED = "import_finished"  # cancelling a job that already ended

    # --- A provider's answer (providers/base.py) ------------------------------------------------
    PROVIDER_ERROR = "provider_error"
    PROVIDER_AUTH_ERROR = "provider_auth_error"
    PROVIDER_TOKEN_EXPIRED = "provider_token_expired"  # noqa: S105 - a code, not a token
    PROVIDER_FORBIDDEN = "provider_forbidden"
    PROVIDER_NOT_FOUND = "provider_not_found"
    PROVIDER_RATE_LIMITED = "provider_rate_limited"
    PROVIDER_QUOTA_EXCEEDED = "provider_quota_exceeded"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PROVIDER_BAD_RESPONSE = "provider_bad_response"
    PREMIUM_REQUIRED = "premium_required"
    NO_ACTIVE_DEVICE = "no_active_device"

    # --- The catalog -------------------------------------------------------------------------
    AUDIO_MISSING = "audio_missing"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    BAD_STREAM_LINK = "bad_stream_link"  # a stream link forged, expired, or older than the password
    PLAY_NOT_FAR_ENOUGH = "play_not_far_enough"  # a reported play short of half the song or 4 minutes
    PLAY_NOT_SERVED = "play_not_served"  # a reported play further than the bytes streamed for it
    PLAY_TOO_SOON = "play_too_soon"  # a reported play further than the time since its stream started

    # --- Rooms ---------------------------------------------------------------------------------
    ROOM_NOT_FOUND = "room_not_found"
    NOT_IN_ROOM = "not_in_room"
    NOT_A_MEMBER = "not_a_member"
    CSRF = "csrf"
    HOST_RECONNECT_REQUIRED = "host_reconnect_required"
    GUEST_CANNOT_PAUSE = "guest_cannot_pause"
    NOTHING_PLAYING = "nothing_playing"
    POLLER_FAILED = "poller_failed"  # on the room's WebSocket


# The values alone, as the schema lists them (config/settings.py names this list ErrorCodeEnum).
ERROR_CODE_VALUES: list[str] = [code.value for code in ErrorCode]
