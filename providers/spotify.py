"""Spotify: the Accounts service (OAuth 2 authorization code with PKCE, refresh, client credentials)
and the Web API calls MusicHub makes (profile, listening history, playback state, player commands).

Error mapping (PROVIDERS.md §1.2 and §2.1), branching on status and Spotify's machine fields only:
- Accounts: `invalid_grant` and `invalid_client` (both HTTP 400) → `ProviderAuthError` with that reason;
  `invalid_grant` means "send the user back through /authorize", never retry it.
- Web API: **every 401 is `ProviderTokenExpired`.** Spotify's wording for an expired, garbage or
  missing token has changed over the years ("The access token expired", "Invalid access token",
  "Missing/invalid/expired access token"), and the only machine field is the status, so the caller
  refreshes once and retries; a second 401 right after a refresh means the grant itself is gone.
- 403 `PREMIUM_REQUIRED` → `PremiumRequired`; a 403 whose body is not JSON is Spotify's plain-text
  "User not registered in the Developer Dashboard" → `ProviderForbidden(reason="user_not_registered")`;
  other 403s (`UNKNOWN` "Restriction violated", missing scope) → `ProviderForbidden` with the reason.
- 404 `NO_ACTIVE_DEVICE` → `NoActiveDevice`, other 404s → `ProviderNotFound`; 429 → `ProviderRateLimited`
  with Retry-After; 5xx and transport failures → `ProviderUnavailable` (after the shared session's retries
  of idempotent calls); bodies we cannot read → `ProviderBadResponse`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from providers.base import (
    NoActiveDevice,
    PremiumRequired,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderTokenExpired,
    json_body,
    raise_for_transport_status,
    raise_oauth_error,
    send,
)
from providers.types import AuthorizationRequest, CredentialCheck, OAuthTokens

PROVIDER = "Spotify"

SCOPES: tuple[str, ...] = (
    "user-read-recently-played",
    "user-read-currently-playing",
    "user-read-playback-state",
    "user-modify-playback-state",  # rooms: pause / play / skip on the host's Spotify
    "user-read-private",
    "user-read-email",
)

MAX_RECENTLY_PLAYED = 50
PKCE_VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 characters from the unreserved set
AUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"})
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}

T = TypeVar("T")


# --- what the calls return ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotifyImage:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class SpotifyArtist:
    id: str | None
    name: str
    uri: str | None = None
    url: str | None = None  # open.spotify.com page


@dataclass(frozen=True)
class SpotifyAlbum:
    id: str | None
    name: str
    uri: str | None = None
    url: str | None = None
    images: tuple[SpotifyImage, ...] = ()
    release_date: str | None = None  # "2019", "2019-05" or "2019-05-10", see release_date_precision
    release_date_precision: str | None = None
    album_type: str | None = None

    @property
    def image_url(self) -> str | None:
        """The largest cover (Spotify lists them widest first, but do not rely on it)."""
        if not self.images:
            return None
        return max(self.images, key=lambda image: image.width or 0).url


@dataclass(frozen=True)
class SpotifyTrack:
    id: str | None  # None for local files
    name: str
    uri: str | None
    duration_ms: int
    artists: tuple[SpotifyArtist, ...] = ()
    album: SpotifyAlbum | None = None
    explicit: bool = False
    url: str | None = None
    isrc: str | None = None
    popularity: int | None = None  # deprecated in the spec, often missing
    is_local: bool = False

    @property
    def artist_names(self) -> tuple[str, ...]:
        return tuple(artist.name for artist in self.artists)

    @property
    def artist(self) -> str:
        """All artists, comma-separated, as a one-line credit."""
        return ", ".join(self.artist_names)

    @property
    def image_url(self) -> str | None:
        return self.album.image_url if self.album else None


@dataclass(frozen=True)
class PlaybackContext:
    type: str  # album, playlist, artist, show, collection …
    uri: str
    url: str | None = None


@dataclass(frozen=True)
class PlayedTrack:
    """One recently-played row. `played_at` is when the play ended (aware, UTC)."""

    played_at: datetime
    track: SpotifyTrack
    context: PlaybackContext | None = None

    @property
    def played_at_ms(self) -> int:
        return round(self.played_at.timestamp() * 1000)


@dataclass(frozen=True)
class RecentlyPlayedPage:
    """Newest first. Cursors are epoch milliseconds; both are None on an empty page (`cursors: null`)."""

    items: tuple[PlayedTrack, ...]
    limit: int
    cursor_after: int | None = None  # the newest item's played_at: poll with `after=` this next time
    cursor_before: int | None = None  # the oldest item's: page backwards with `before=` this
    next: str | None = None


@dataclass(frozen=True)
class SpotifyDevice:
    id: str | None  # may be null
    name: str
    type: str
    is_active: bool
    is_private_session: bool = False
    is_restricted: bool = False
    volume_percent: int | None = None
    supports_volume: bool = False


@dataclass(frozen=True)
class PlaybackState:
    """`/me/player/currently-playing` (no device) or `/me/player` (with device, repeat, shuffle).

    `item` is None for ads, for episodes (we do not ask for them) and for unknown content.
    """

    is_playing: bool
    currently_playing_type: str  # track, episode, ad, unknown
    item: SpotifyTrack | None
    progress_ms: int | None = None
    timestamp: datetime | None = None
    context: PlaybackContext | None = None
    device: SpotifyDevice | None = None
    repeat_state: str | None = None
    shuffle_state: bool | None = None
    disallows: frozenset[str] = (
        frozenset()
    )  # actions the player refuses now: pausing, resuming, skipping_next…


@dataclass(frozen=True)
class SpotifyProfile:
    """`/me`. Development-mode apps get no email, country or product: those are None then.

    Link accounts on `account_id` (immutable) when present, else on `id`.
    """

    id: str
    account_id: str | None = None
    display_name: str | None = None
    email: str | None = None
    country: str | None = None
    product: str | None = None  # premium, free, open (= free)
    image_url: str | None = None
    uri: str | None = None
    url: str | None = None

    @property
    def is_premium(self) -> bool | None:
        return None if self.product is None else self.product == "premium"


# --- parsing ----------------------------------------------------------------------------------------


def parse_played_at(value: str) -> datetime:
    """Spotify's ISO-8601 timestamp, with or without fractional seconds; naive means UTC."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _url(data: dict[str, Any]) -> str | None:
    return (data.get("external_urls") or {}).get("spotify")


def _images(items: Iterable[dict[str, Any]] | None) -> tuple[SpotifyImage, ...]:
    return tuple(SpotifyImage(image["url"], image.get("width"), image.get("height")) for image in items or ())


def _artist(data: dict[str, Any]) -> SpotifyArtist:
    return SpotifyArtist(id=data.get("id"), name=data["name"], uri=data.get("uri"), url=_url(data))


def _album(data: dict[str, Any]) -> SpotifyAlbum:
    return SpotifyAlbum(
        id=data.get("id"),
        name=data["name"],
        uri=data.get("uri"),
        url=_url(data),
        images=_images(data.get("images")),
        release_date=data.get("release_date"),
        release_date_precision=data.get("release_date_precision"),
        album_type=data.get("album_type"),
    )


def parse_track(data: dict[str, Any]) -> SpotifyTrack:
    return SpotifyTrack(
        id=data.get("id"),
        name=data["name"],
        uri=data.get("uri"),
        duration_ms=int(data["duration_ms"]),
        artists=tuple(_artist(artist) for artist in data.get("artists") or ()),
        album=_album(data["album"]) if data.get("album") else None,
        explicit=bool(data.get("explicit", False)),
        url=_url(data),
        isrc=(data.get("external_ids") or {}).get("isrc"),
        popularity=data.get("popularity"),
        is_local=bool(data.get("is_local", False)),
    )


def _context(data: dict[str, Any] | None) -> PlaybackContext | None:
    if not data or not data.get("uri"):
        return None
    return PlaybackContext(
        type=data.get("type") or data["uri"].split(":")[1], uri=data["uri"], url=_url(data)
    )


def _cursor(cursors: dict[str, Any] | None, name: str) -> int | None:
    value = (cursors or {}).get(name)
    return int(value) if value not in (None, "") else None


def parse_recently_played(data: dict[str, Any]) -> RecentlyPlayedPage:
    items = tuple(
        PlayedTrack(
            played_at=parse_played_at(item["played_at"]),
            track=parse_track(item["track"]),
            context=_context(item.get("context")),
        )
        for item in data["items"]
    )
    return RecentlyPlayedPage(
        items=items,
        limit=int(data.get("limit") or len(items)),
        cursor_after=_cursor(data.get("cursors"), "after"),
        cursor_before=_cursor(data.get("cursors"), "before"),
        next=data.get("next"),
    )


def _device(data: dict[str, Any]) -> SpotifyDevice:
    return SpotifyDevice(
        id=data.get("id"),
        name=data.get("name") or "",
        type=data.get("type") or "Unknown",
        is_active=bool(data.get("is_active")),
        is_private_session=bool(data.get("is_private_session")),
        is_restricted=bool(data.get("is_restricted")),
        volume_percent=data.get("volume_percent"),
        supports_volume=bool(data.get("supports_volume")),
    )


def parse_playback_state(data: dict[str, Any]) -> PlaybackState:
    kind = data.get("currently_playing_type") or "unknown"
    item = data.get("item")
    actions = data.get("actions") or {}
    # the real answer nests {"disallows": {...}}; the spec inlines it: accept both
    disallows = actions.get("disallows", actions) if isinstance(actions, dict) else {}
    timestamp = data.get("timestamp")
    return PlaybackState(
        is_playing=bool(data.get("is_playing")),
        currently_playing_type=kind,
        item=parse_track(item) if item and item.get("type", "track") == "track" else None,
        progress_ms=data.get("progress_ms"),
        timestamp=datetime.fromtimestamp(timestamp / 1000, tz=UTC) if timestamp else None,
        context=_context(data.get("context")),
        device=_device(data["device"]) if data.get("device") else None,
        repeat_state=data.get("repeat_state"),
        shuffle_state=data.get("shuffle_state"),
        disallows=frozenset(name for name, refused in disallows.items() if refused is True),
    )


def parse_profile(data: dict[str, Any]) -> SpotifyProfile:
    images = _images(data.get("images"))
    return SpotifyProfile(
        id=data["id"],
        account_id=data.get("account_id"),
        display_name=data.get("display_name"),
        email=data.get("email"),
        country=data.get("country"),
        product=data.get("product"),
        image_url=max(images, key=lambda image: image.width or 0).url if images else None,
        uri=data.get("uri"),
        url=_url(data),
    )


def _parsed(parse: Callable[[Any], T], data: Any, what: str) -> T:
    """Runs a parser; a body missing what we need becomes `ProviderBadResponse`, never a KeyError."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ProviderBadResponse(f"unexpected {what} answer ({exc!r})", provider=PROVIDER) from exc


# --- the Accounts service -----------------------------------------------------------------------------


class SpotifyAccounts:
    """OAuth with Spotify's Accounts service, for one app (client id, and a secret unless it is a PKCE
    public client). Authlib builds the authorization URL, the PKCE challenge and the token request bodies;
    the requests go through the shared session so timeouts and errors behave like every other call."""

    def __init__(
        self,
        accounts_url: str,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.accounts_url = accounts_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.redirect_uri = redirect_uri
        self.client = client

    def authorization_url(
        self,
        *,
        scopes: Iterable[str],
        state: str | None = None,
        show_dialog: bool = False,
        use_pkce: bool = True,
    ) -> AuthorizationRequest:
        """Where to send the user. Keep `state` (and `code_verifier`) server-side for the callback."""
        if not self.redirect_uri:
            raise ValueError("a redirect_uri is needed to build an authorization URL")
        state = state or generate_token(32)
        extra: dict[str, str] = {}
        verifier = None
        if use_pkce:
            verifier = generate_token(PKCE_VERIFIER_LENGTH)
            extra = {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if show_dialog:
            extra["show_dialog"] = "true"
        url = prepare_grant_uri(
            f"{self.accounts_url}/authorize",
            client_id=self.client_id,
            response_type="code",
            redirect_uri=self.redirect_uri,
            scope=" ".join(scopes),
            state=state,
            **extra,
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    def exchange_code(self, *, code: str, code_verifier: str | None = None) -> OAuthTokens:
        """Trades the callback's `code` for tokens (with the PKCE verifier when the URL had a challenge)."""
        if not self.redirect_uri:
            raise ValueError("the redirect_uri sent to /authorize is needed to exchange the code")
        extra: dict[str, str] = {}
        if code_verifier:
            extra["code_verifier"] = code_verifier
        return self._token_request(
            prepare_token_request(
                "authorization_code", code=code, redirect_uri=self.redirect_uri, **self._public_id(), **extra
            )
        )

    def refresh(self, *, refresh_token: str) -> OAuthTokens:
        """New access token. Spotify often leaves `refresh_token` out of the answer: keep the old one then.

        `ProviderAuthError(reason="invalid_grant")` means revoked or expired (six months after the
        user's authorization): do not retry, send the user through /authorize again.
        """
        body = prepare_token_request("refresh_token", refresh_token=refresh_token, **self._public_id())
        return self._token_request(body, previous_refresh_token=refresh_token)

    def client_credentials(self) -> OAuthTokens:
        """An app-only token (no user, no refresh token); needs the client secret."""
        if not self.client_secret:
            raise ValueError("the client credentials grant needs the client secret")
        return self._token_request(prepare_token_request("client_credentials"))

    def check_credentials(self) -> CredentialCheck:
        """Proves the client id and secret work (a client-credentials grant)."""
        tokens = self.client_credentials()
        return CredentialCheck(
            account=self.client_id,
            detail="Spotify accepted the app's client id and secret",
            extra={"expires_in": str(tokens.expires_in)} if tokens.expires_in else {},
        )

    def _public_id(self) -> dict[str, str]:
        """A PKCE public client names itself in the body; a confidential one authenticates with Basic."""
        return {} if self.client_secret else {"client_id": self.client_id}

    def _token_request(self, body: str, *, previous_refresh_token: str | None = None) -> OAuthTokens:
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        response = send(
            "POST",
            f"{self.accounts_url}/api/token",
            provider=PROVIDER,
            client=self.client,
            content=body,
            headers={**_FORM, "Accept": "application/json"},
            auth=auth,
        )
        if not response.is_success:
            _raise_token_error(response)
        data = json_body(response, provider=PROVIDER)
        return _parsed(lambda raw: _tokens(raw, previous_refresh_token), data, "token")


def _tokens(data: dict[str, Any], previous_refresh_token: str | None) -> OAuthTokens:
    access_token = data["access_token"]
    if not isinstance(access_token, str) or not access_token:
        raise ValueError("no access_token")
    expires_in = data.get("expires_in")
    return OAuthTokens(
        access_token=access_token,
        token_type=data.get("token_type") or "Bearer",
        expires_in=int(expires_in) if expires_in is not None else None,
        refresh_token=data.get("refresh_token") or previous_refresh_token,
        scope=tuple((data.get("scope") or "").split()),
        obtained_at=datetime.now(tz=UTC),
    )


def _raise_token_error(response: httpx.Response) -> None:
    """RFC 6749 errors (Spotify answers 400 even for invalid_client), 429 and 5xx."""
    raise_oauth_error(response, provider=PROVIDER, auth_errors=AUTH_ERRORS, expired_errors=frozenset())


# --- the Web API ---------------------------------------------------------------------------------------


class SpotifyClient:
    """The Web API for one user's access token. See the module docstring for the error mapping."""

    def __init__(self, api_url: str, access_token: str, client: httpx.Client | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.access_token = access_token
        self.client = client

    # reads

    def me(self) -> SpotifyProfile:
        return _parsed(parse_profile, self._json("GET", "/me"), "/me")

    def check_credentials(self) -> CredentialCheck:
        """Proves the access token works: who it belongs to."""
        profile = self.me()
        extra = {"id": profile.id, "product": profile.product, "email": profile.email}
        return CredentialCheck(
            account=profile.account_id or profile.id,
            detail=profile.display_name or profile.id,
            extra={key: value for key, value in extra.items() if value},
        )

    def recently_played(
        self, *, limit: int = MAX_RECENTLY_PLAYED, after: int | None = None, before: int | None = None
    ) -> RecentlyPlayedPage:
        """One page, newest first. `after`/`before` are epoch milliseconds (exclusive); give at most one.

        Only the last ~50 plays are reachable at all, so poll with `after=page.cursor_after`.
        """
        if not 1 <= limit <= MAX_RECENTLY_PLAYED:
            raise ValueError(f"limit must be between 1 and {MAX_RECENTLY_PLAYED}, not {limit}")
        if after is not None and before is not None:
            raise ValueError("give either after or before, not both")
        params: dict[str, int] = {"limit": limit}
        for name, value in (("after", after), ("before", before)):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name} is epoch milliseconds as an int, not {value!r}")
                params[name] = value
        data = self._json("GET", "/me/player/recently-played", params=params)
        return _parsed(parse_recently_played, data, "recently-played")

    def currently_playing(self) -> PlaybackState | None:
        """What plays now, or None when nothing does (204)."""
        return self._playback("/me/player/currently-playing")

    def playback_state(self) -> PlaybackState | None:
        """Playback with the device, or None when no device is active (204)."""
        return self._playback("/me/player")

    # player commands (Premium only; any 2xx is success)

    def pause(self, device_id: str | None = None) -> None:
        self._request("PUT", "/me/player/pause", params=_device_param(device_id))

    def play(
        self,
        device_id: str | None = None,
        *,
        uris: Iterable[str] | None = None,
        context_uri: str | None = None,
        position_ms: int | None = None,
    ) -> None:
        """Resumes (no arguments), or starts `uris` or `context_uri`, optionally at `position_ms`."""
        uris = list(uris) if uris is not None else None
        if uris and context_uri:
            raise ValueError("give either uris or context_uri, not both")
        body: dict[str, Any] = {}
        if uris:
            body["uris"] = uris
        if context_uri:
            body["context_uri"] = context_uri
        if position_ms is not None:
            body["position_ms"] = position_ms
        self._request("PUT", "/me/player/play", params=_device_param(device_id), json=body or None)

    def next(self, device_id: str | None = None) -> None:
        self._request("POST", "/me/player/next", params=_device_param(device_id))

    # plumbing

    def _playback(self, path: str) -> PlaybackState | None:
        response = self._request("GET", path)
        if response.status_code == 204 or not response.content.strip():
            return None
        data = json_body(response, provider=PROVIDER)
        return _parsed(parse_playback_state, data, path)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return json_body(self._request(method, path, **kwargs), provider=PROVIDER)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = send(
            method,
            f"{self.api_url}{path}",
            provider=PROVIDER,
            client=self.client,
            headers={"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"},
            **kwargs,
        )
        if not response.is_success:
            _raise_api_error(response)
        return response


def _device_param(device_id: str | None) -> dict[str, str] | None:
    return {"device_id": device_id} if device_id else None


def _raise_api_error(response: httpx.Response) -> None:
    """Spotify's `{"error": {"status", "message"[, "reason"]}}`, or the few non-JSON answers."""
    status = response.status_code
    try:
        data = response.json()
        is_json = True
    except ValueError:
        data, is_json = None, False
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or f"HTTP {status}")
        reason = error.get("reason") if isinstance(error.get("reason"), str) else None
    else:
        error = None
        message = (response.text.strip() if response.content else "") or f"HTTP {status}"
        reason = None
    raise_for_transport_status(response, provider=PROVIDER, message=message)
    if status == 401:
        raise ProviderTokenExpired(message, provider=PROVIDER, status=status, reason=reason)
    if status == 403:
        if not is_json:  # the dev-mode allow-list answers plain text
            raise ProviderForbidden(message, provider=PROVIDER, status=status, reason="user_not_registered")
        error_class = PremiumRequired if reason == "PREMIUM_REQUIRED" else ProviderForbidden
        raise error_class(message, provider=PROVIDER, status=status, reason=reason)
    if error is None:
        json_body(response, provider=PROVIDER)  # raises ProviderBadResponse for a body that is not JSON
        raise ProviderBadResponse(f"HTTP {status} without an error object", provider=PROVIDER, status=status)
    if status == 404:
        error_class = NoActiveDevice if reason == "NO_ACTIVE_DEVICE" else ProviderNotFound
        raise error_class(message, provider=PROVIDER, status=status, reason=reason)
    raise ProviderError(message, provider=PROVIDER, status=status, reason=reason)
