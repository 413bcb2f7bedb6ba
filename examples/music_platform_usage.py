"""Seed 000's usage examples, runnable against the sandbox: create, find, associate, list, validate.

.venv/bin/python examples/music_platform_usage.py      # with `make run` (and so the sandbox) up
"""

from __future__ import annotations

import os
from collections.abc import Callable

# The sandbox's seeded YouTube key; set YOUTUBE_API_KEY to use a real one against the real API.
YOUTUBE_API_KEY = os.environ.get("YOUTUBE_API_KEY", "AIzaSyA-sandbox-valid-key-000000000000")


def main(out: Callable[[str], None] = print) -> None:
    from django.conf import settings

    from credentials.models import YouTubeMusicCredential
    from credentials.utils import (
        create_platform_credential,
        get_active_credential_for_platform,
        get_all_active_credentials,
        validate_platform_credential,
    )
    from musics.models import Platform

    # Creating credentials. A new one becomes the platform's active credential, so it is left inactive
    # when one is already active (the demo's): an example never replaces what the server uses.
    active = get_active_credential_for_platform("spotify")
    spotify_cred = create_platform_credential(
        is_active=active is None,
        platform_name="spotify",
        client_id=settings.SPOTIFY_CLIENT_ID or "your_client_id",
        client_secret=settings.SPOTIFY_CLIENT_SECRET or "your_client_secret",
        redirect_uri="http://127.0.0.1:8000/oauth/callback/",
        scopes="user-read-private user-read-email",
        description="Example Spotify credentials",
    )
    youtube_cred = create_platform_credential(
        platform_name="youtube_music", api_key=YOUTUBE_API_KEY, description="YouTube Music API key"
    )
    out(f"Created {spotify_cred} and {youtube_cred}")
    if active is not None:
        out(f"The active Spotify credential stays {active} (id {active.pk}); the new one is inactive.")

    # Associating with a Platform
    platform, _ = Platform.objects.get_or_create(
        name="spotify", defaults={"link": "https://open.spotify.com"}
    )
    platform.credential = get_active_credential_for_platform("spotify")
    platform.save()
    platform = Platform.objects.get(name="spotify")
    out(f"Platform {platform} uses client id {platform.credential.client_id}")

    # Listing all credentials
    for platform_name, credential in get_all_active_credentials().items():
        out(f"{platform_name}: {credential}")

    # Validating credentials without storing them
    result = validate_platform_credential(
        "spotify",
        client_id=settings.SPOTIFY_CLIENT_ID or "test_id",
        client_secret=settings.SPOTIFY_CLIENT_SECRET or "test_secret",
    )
    out("Spotify credentials are valid" if result["valid"] else f"Validation failed: {result['error']}")

    # YouTube Music validation
    youtube_cred = YouTubeMusicCredential.get_active_credential("youtube_music")
    if youtube_cred:
        if youtube_cred.validate_credentials():
            out("✅ YouTube Music credentials are valid!")
            out(f"Last validated: {youtube_cred.last_validated}")
        else:
            out(f"❌ Validation failed: {youtube_cred.validation_error}")


if __name__ == "__main__":
    from _setup import setup

    setup(__doc__ or "")
    main()
