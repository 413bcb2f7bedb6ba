"""PlayStation Network client (unofficial API): NPSSO → authorization code → tokens → profile.

The user copies their NPSSO (valid about two months) from `https://ca.account.sony.com/api/v1/ssocookie`.
`exchange_npsso` trades it for an authorization code (the authorize endpoint answers 302 with
`?code=v3.…`; a Location without `code` means the NPSSO is no longer signed in), then the code for
tokens at the token endpoint (Basic auth with the PlayStation app's client, `token_format=jwt`).

The PlayStation app's client id, secret and redirect URI are required constructor arguments (settings
`PSN_CLIENT_ID`, `PSN_CLIENT_SECRET`, `PSN_REDIRECT_URI`): there is no default, so a deployment can
never send Sony a placeholder client. The sandbox announces its own values.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from providers.base import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderForbidden,
    ProviderNotFound,
    ProviderTokenExpired,
    json_body,
    raise_for_transport_status,
)
from providers.client import OAuthClient, oauth_tokens
from providers.types import CredentialCheck, OAuthTokens

PROVIDER = "PlayStation Network"
SCOPE = "psn:mobile.v2.core psn:clientapp"
NPSSO_EXPIRED = "NPSSO invalid or expired, fetch a new one"


@dataclass(frozen=True)
class PsnTokens(OAuthTokens):
    """Sony's token answer: the usual OAuth fields plus an id token and the refresh token's lifetime."""

    id_token: str | None = None
    refresh_token_expires_in: int | None = None

    @property
    def account_id(self) -> str | None:
        """The account id (`sub`) carried by the JWT id token, read without verifying it; None if absent."""
        claims = _jwt_claims(self.id_token) if self.id_token else None
        sub = claims.get("sub") if claims else None
        return str(sub) if sub else None


@dataclass(frozen=True)
class PsnProfile:
    online_id: str
    about_me: str
    avatar_url: str | None
    languages: tuple[str, ...]
    is_plus: bool
    is_me: bool


class PsnClient(OAuthClient[PsnTokens]):
    """Sony's auth service at `auth_url` (the PlayStation app is the OAuth client), its API at `api_url`."""

    provider = PROVIDER

    def __init__(
        self,
        auth_url: str,
        api_url: str,
        client: httpx.Client | None = None,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
    ) -> None:
        super().__init__(
            auth_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            client=client,
        )
        self.api_url = api_url.rstrip("/")

    # --- authentication ----------------------------------------------------------------------

    def authorization_code(self, npsso: str) -> str:
        """Step 2: the code Sony redirects to when the NPSSO cookie is signed in."""
        response = self._send(
            "GET",
            "/authz/v3/oauth/authorize",
            params={
                "access_type": "offline",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri or "",
                "response_type": "code",
                "scope": SCOPE,
            },
            headers={"Cookie": f"npsso={npsso}"},
            follow_redirects=False,
        )
        if response.status_code >= 400:
            _raise_oauth_error(response)
        if response.status_code not in (301, 302, 303, 307):
            raise ProviderBadResponse(
                f"expected a redirect from authorize, got HTTP {response.status_code}",
                provider=PROVIDER,
                status=response.status_code,
            )
        query = parse_qs(urlsplit(response.headers.get("Location", "")).query)
        if query.get("code"):
            return query["code"][0]
        raise ProviderAuthError(
            NPSSO_EXPIRED,
            provider=PROVIDER,
            status=response.status_code,
            reason=(query.get("error") or [None])[0],
        )

    def exchange_npsso(self, npsso: str) -> PsnTokens:
        """Steps 2 and 3: NPSSO → code → tokens."""
        return self.exchange_code(code=self.authorization_code(npsso))

    def refresh(self, *, refresh_token: str) -> PsnTokens:
        """New access token; Sony keeps the refresh token unless it sends a new one."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": SCOPE}
        return self._token_request(form, previous_refresh_token=refresh_token)

    def _token_request(self, form: dict[str, str], *, previous_refresh_token: str | None = None) -> PsnTokens:
        """Basic auth with the PlayStation app; JWT tokens, with an id token beside them."""
        response = self._send(
            "POST",
            "/authz/v3/oauth/token",
            data={**form, "token_format": "jwt"},
            auth=(self.client_id, self.client_secret or ""),
        )
        if response.status_code >= 400:
            _raise_oauth_error(response)
        body = self._json_object(response, what="the token answer")
        tokens = oauth_tokens(body, provider=PROVIDER, previous_refresh_token=previous_refresh_token)
        try:
            return PsnTokens(
                **{field.name: getattr(tokens, field.name) for field in dataclasses.fields(OAuthTokens)},
                id_token=body.get("id_token"),
                refresh_token_expires_in=_optional_int(body.get("refresh_token_expires_in")),
            )
        except (TypeError, ValueError) as exc:
            raise ProviderBadResponse(f"unexpected token answer ({exc!r})", provider=PROVIDER) from exc

    # --- API -----------------------------------------------------------------------------------

    def profile(self, access_token: str, account_id: str = "me") -> PsnProfile:
        response = self._send(
            "GET",
            f"{self.api_url}/userProfile/v1/internal/users/{account_id}/profiles",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        if response.status_code >= 400:
            _raise_api_error(response)
        body = json_body(response, provider=PROVIDER)
        try:
            avatars = {avatar["size"]: avatar["url"] for avatar in body.get("avatars", [])}
            return PsnProfile(
                online_id=body["onlineId"],
                about_me=body.get("aboutMe") or "",
                avatar_url=next((avatars[size] for size in ("xl", "l", "m", "s") if size in avatars), None),
                languages=tuple(body.get("languages") or ()),
                is_plus=bool(body.get("isPlus")),
                is_me=bool(body.get("isMe")),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ProviderBadResponse(f"unexpected profile shape ({exc!r})", provider=PROVIDER) from exc

    def check_credentials(self, npsso: str) -> CredentialCheck:
        """The NPSSO still signs in: exchange it, then read the signed-in profile."""
        tokens = self.exchange_npsso(npsso)
        profile = self.profile(tokens.access_token)
        extra = {"online_id": profile.online_id}
        if tokens.account_id:
            extra["account_id"] = tokens.account_id
        return CredentialCheck(
            account=profile.online_id, detail=f"NPSSO signs in as {profile.online_id}", extra=extra
        )


def _raise_oauth_error(response: httpx.Response) -> None:
    """Sony's auth errors are RFC 6749 JSON: `{"error","error_description","error_code"}`."""
    raise_for_transport_status(response, provider=PROVIDER)
    body = json_body(response, provider=PROVIDER)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, str):
        raise ProviderBadResponse(
            f"unexpected error body {str(body)[:80]!r}", provider=PROVIDER, status=response.status_code
        )
    message = body.get("error_description") or error
    if error in ("invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "login_required"):
        raise ProviderAuthError(message, provider=PROVIDER, status=response.status_code, reason=error)
    raise ProviderError(message, provider=PROVIDER, status=response.status_code, reason=error)


def _raise_api_error(response: httpx.Response) -> None:
    """The API's errors: `{"error":{"referenceId","code","message"}}`, mapped on the status."""
    raise_for_transport_status(response, provider=PROVIDER)
    status = response.status_code
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or f"HTTP {status}")
    reason = str(error["code"]) if error.get("code") is not None else None
    # Access tokens live an hour: a 401 means refresh once (with the refresh token or the NPSSO) and retry.
    error_class = {401: ProviderTokenExpired, 403: ProviderForbidden, 404: ProviderNotFound}.get(
        status, ProviderError
    )
    raise error_class(message, provider=PROVIDER, status=status, reason=reason)


def _jwt_claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None
