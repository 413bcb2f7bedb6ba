"""The music platforms MusicHub knows by name: one registry for every model, form and label.

Seed 000's six platforms, in the seed's order (the order of the `choices` in the migrations). The
credential models (`credentials.models`) and the catalog's `musics.models.Platform` both take their
`name` choices from here; adding a platform is one member here, then its credential model.
Plain data, so it lives in the kernel: models may not import `providers` (an import-linter contract).
"""

from __future__ import annotations

from django.db import models


class MusicPlatform(models.TextChoices):
    SPOTIFY = "spotify", "Spotify"
    YOUTUBE_MUSIC = "youtube_music", "YouTube Music"
    AMAZON_MUSIC = "amazon_music", "Amazon Music"
    APPLE_MUSIC = "apple_music", "Apple Music"
    DEEZER = "deezer", "Deezer"
    TIDAL = "tidal", "Tidal"


# The seed's `PLATFORM_CHOICES`: (name, label) pairs, as a model field's `choices` wants them.
PLATFORM_CHOICES: list[tuple[str, str]] = [(platform.value, platform.label) for platform in MusicPlatform]
