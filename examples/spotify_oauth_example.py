"""Seed 000's Spotify OAuth 2.0 flow, runnable against the sandbox.

    .venv/bin/python examples/spotify_oauth_example.py      # with `make run` (and so the sandbox) up

Against the real Spotify a person opens the authorization URL and clicks "Agree"; here the
example submits the sandbox's consent form for them, then finishes the flow as the seed shows.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx


def approve_in_browser(auth_url: str) -> str:
    """What a person does at the sandbox's consent page; returns the callback URL."""
    parts = urlsplit(auth_url)
    form = {name: values[0] for name, values in parse_qs(parts.query).items()}
    answer = httpx.post(
        f"{parts.scheme}://{parts.netloc}/spotify-accounts/authorize/decision",
        data={**form, "decision": "approve"},
        timeout=10,
    )
    return answer.headers["Location"]


def main(out: Callable[[str], None] = print) -> None:
    from django.conf import settings

    from credentials.utils import create_platform_credential, get_active_credential_for_platform

    # Left inactive when a Spotify credential is already active (the demo's): the example never
    # replaces the credential the server uses.
    active = get_active_credential_for_platform("spotify")
    spotify_cred = create_platform_credential(
        is_active=active is None,
        platform_name="spotify",
        client_id=settings.SPOTIFY_CLIENT_ID,
        client_secret=settings.SPOTIFY_CLIENT_SECRET,
        redirect_uri="http://127.0.0.1:8000/admin/credentials/spotifycredential/1/oauth-callback/",
        description="OAuth example",
    )

    # 1. Generate the authorization URL (state and PKCE verifier are kept server-side)
    auth_url = spotify_cred.get_authorization_url()
    out(f"Send the user to: {auth_url.split('?')[0]}?…")

    # 2. Exchange the authorization code for tokens
    callback = approve_in_browser(auth_url)
    params = {name: values[0] for name, values in parse_qs(urlsplit(callback).query).items()}
    token_data = spotify_cred.exchange_code_for_tokens(params["code"], state=params["state"])
    out(f"Tokens saved; the access token expires {token_data['token_expiry']}")

    # 3. Get a valid access token (refreshes it if needed)
    access_token = spotify_cred.get_valid_access_token()
    out(f"Got an access token ({len(access_token)} characters)")

    # 4. Refresh the token manually
    token_data = spotify_cred.refresh_access_token()
    out(f"Refreshed; now expires {token_data['token_expiry']}")

    # 5. Validate the credentials
    out(f"Valid: {spotify_cred.validate_credentials()}")

    # 6. Token information (never the tokens themselves)
    out(f"Token info: {spotify_cred.get_token_info()}")

    active = get_active_credential_for_platform("spotify")
    out(f"The active Spotify credential is {active}")


if __name__ == "__main__":
    from _setup import setup

    setup(__doc__ or "")
    main()
