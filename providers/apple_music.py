"""Apple Music API: the developer token (an ES256 JWT) and a catalog search that proves it works.

The developer token is signed with the MusicKit private key (`.p8`, PKCS#8 PEM, P-256) from Apple's
developer portal, identified by its 10-character key id and the 10-character team id. Apple refuses
a bad token with **401 and an empty body**; its other errors are `{"errors":[{id,title,detail,status,code}]}`.
A user's library needs a second credential, the `Music-User-Token` header.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
    json_body,
    parse_retry_after,
)
from providers.client import ProviderClient
from providers.types import CredentialCheck

PROVIDER = "Apple Music"
MAX_TOKEN_LIFETIME_SECONDS = 15_777_000  # Apple's ceiling: about six months
DEFAULT_TOKEN_LIFETIME_SECONDS = 12 * 3600
P256_COORDINATE_BYTES = 32


class InvalidDeveloperKey(ValueError):
    """The team id, key id or `.p8` private key cannot make a developer token."""


@dataclass(frozen=True)
class AppleSong:
    id: str
    name: str
    artist_name: str
    album_name: str | None
    duration_ms: int | None
    isrc: str | None
    url: str | None
    artwork_url: str | None  # a template with `{w}` and `{h}`


@dataclass(frozen=True)
class AppleStorefront:
    id: str
    name: str


def make_developer_token(
    *,
    team_id: str,
    key_id: str,
    private_key_pem: str | bytes,
    lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    now: datetime | None = None,
) -> str:
    """An ES256 developer token: header {alg, kid}, claims {iss, iat, exp}, signed with the `.p8` key."""
    for label, value in (("team id", team_id), ("key id", key_id)):
        if not (isinstance(value, str) and len(value) == 10 and value.isalnum()):
            raise InvalidDeveloperKey(
                f"the {label} must be the 10-character identifier Apple shows, not {value!r}"
            )
    if not 0 < lifetime_seconds <= MAX_TOKEN_LIFETIME_SECONDS:
        raise InvalidDeveloperKey(
            f"lifetime_seconds must be between 1 and {MAX_TOKEN_LIFETIME_SECONDS} (six months), "
            f"not {lifetime_seconds}"
        )
    key = load_private_key(private_key_pem)
    issued = int((now or datetime.now(UTC)).timestamp())
    header = {"alg": "ES256", "kid": key_id}
    claims = {"iss": team_id, "iat": issued, "exp": issued + lifetime_seconds}
    signing_input = f"{_b64_json(header)}.{_b64_json(claims)}".encode("ascii")
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    # JWS wants the raw R‖S pair (RFC 7518 §3.4), not the DER that cryptography returns.
    signature = r.to_bytes(P256_COORDINATE_BYTES, "big") + s.to_bytes(P256_COORDINATE_BYTES, "big")
    return f"{signing_input.decode('ascii')}.{_b64(signature)}"


def load_private_key(private_key_pem: str | bytes) -> ec.EllipticCurvePrivateKey:
    """The MusicKit key from its `.p8` text, or `InvalidDeveloperKey` saying what is wrong with it."""
    data = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    if b"-----BEGIN PRIVATE KEY-----" not in data:
        raise InvalidDeveloperKey(
            "the private key must be the whole .p8 file, starting with -----BEGIN PRIVATE KEY-----"
        )
    try:
        key = serialization.load_pem_private_key(data.strip(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidDeveloperKey(f"the .p8 private key cannot be read: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidDeveloperKey("the .p8 key must be an EC P-256 key (a MusicKit key), not another kind")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_json(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":")).encode())


class AppleMusicClient(ProviderClient):
    provider = PROVIDER

    def __init__(
        self,
        api_url: str,
        developer_token: str,
        music_user_token: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(api_url, client=client)
        self.developer_token = developer_token
        self.music_user_token = music_user_token

    def search_songs(self, term: str, *, storefront: str = "us", limit: int = 1) -> tuple[AppleSong, ...]:
        body = self._get(
            f"/catalog/{storefront}/search", params={"term": term, "types": "songs", "limit": limit}
        )
        results = body.get("results")
        if not isinstance(results, dict):
            raise ProviderBadResponse("the search answer has no `results`", provider=PROVIDER, status=200)
        songs = results.get("songs", {"data": []})  # no match: Apple leaves the type out
        if not isinstance(songs, dict) or not isinstance(songs.get("data"), list):
            raise ProviderBadResponse("`results.songs.data` is not a list", provider=PROVIDER, status=200)
        return tuple(_parse_song(item) for item in songs["data"])

    def storefront(self) -> AppleStorefront:
        """The user's storefront (`/me/storefront`): proves the Music-User-Token works."""
        body = self._get("/me/storefront", user=True)
        data: Any = body.get("data")  # any JSON: a wrong shape is caught below
        try:
            item = data[0]
            return AppleStorefront(id=item["id"], name=item["attributes"]["name"])
        except (TypeError, KeyError, IndexError) as exc:
            raise ProviderBadResponse(
                "the storefront answer has no data", provider=PROVIDER, status=200
            ) from exc

    def check_credentials(self) -> CredentialCheck:
        """One catalog search for the developer token; `/me/storefront` too when a user token is set."""
        songs = self.search_songs("music", limit=1)
        extra = {"sample_song": songs[0].name} if songs else {}
        if self.music_user_token:
            storefront = self.storefront()
            extra["storefront"] = storefront.id
            return CredentialCheck(
                detail=f"the developer and user tokens work (storefront {storefront.name})", extra=extra
            )
        return CredentialCheck(detail="the developer token answered a catalog search", extra=extra)

    def _get(self, path: str, *, params: dict[str, Any] | None = None, user: bool = False) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.developer_token}"}
        if user:
            if not self.music_user_token:
                raise ProviderAuthError("no Music-User-Token is set", provider=PROVIDER)
            headers["Music-User-Token"] = self.music_user_token
        response = self._send(
            "GET",
            path,
            params=params,
            headers=headers,
        )
        if response.status_code != 200:
            _raise_apple_error(response, user=user)
        return self._json_object(response)


def _raise_apple_error(response: httpx.Response, *, user: bool) -> None:
    status = response.status_code
    if status == 401 and not response.content.strip():
        raise ProviderAuthError(
            "Apple Music refused the developer token (HTTP 401, empty body): check the team id, key id, "
            "private key and expiry",
            provider=PROVIDER,
            status=401,
        )
    message, reason = f"HTTP {status}", None
    try:
        errors = response.json().get("errors")
        first = errors[0]
        message = str(first.get("detail") or first.get("title") or message)
        reason = str(first["code"]) if first.get("code") is not None else None
    except (ValueError, AttributeError, TypeError, IndexError, KeyError):
        if status < 500 and status not in (401, 429):
            json_body(response, provider=PROVIDER)  # a non-JSON body → ProviderBadResponse
    kwargs: dict[str, Any] = {"provider": PROVIDER, "status": status, "reason": reason}
    if status == 401 or (status == 403 and user):
        raise ProviderAuthError(message, **kwargs)  # a refused Music-User-Token answers 403
    if status == 403:
        raise ProviderForbidden(message, **kwargs)
    if status == 404:
        raise ProviderNotFound(message, **kwargs)
    if status == 429:
        raise ProviderRateLimited(
            message, retry_after=parse_retry_after(response.headers.get("Retry-After")), **kwargs
        )
    if status >= 500:
        raise ProviderUnavailable(message, **kwargs)
    raise ProviderError(message, **kwargs)


def _parse_song(item: Any) -> AppleSong:
    try:
        attributes = item["attributes"]
        name, artist = attributes["name"], attributes["artistName"]
        song_id = item["id"]
    except (TypeError, KeyError) as exc:
        raise ProviderBadResponse(
            "a song has no id, name or artistName", provider=PROVIDER, status=200
        ) from exc
    artwork = attributes.get("artwork") if isinstance(attributes.get("artwork"), dict) else {}
    duration = attributes.get("durationInMillis")
    return AppleSong(
        id=str(song_id),
        name=str(name),
        artist_name=str(artist),
        album_name=attributes.get("albumName"),
        duration_ms=duration if isinstance(duration, int) else None,
        isrc=attributes.get("isrc"),
        url=attributes.get("url"),
        artwork_url=artwork.get("url"),
    )
