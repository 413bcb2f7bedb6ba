"""The ListenBrainz-compatible API's own rows: a user's scrobbling token, their choice of who may read
their listens through it, and what they are playing now. The listens themselves are listening.Listen."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class ListenBrainzToken(models.Model):
    """A user's one scrobbling token (`Authorization: Token <token>`), kept as its SHA-256 only.

    The token is shown once, when it is made; the row keeps its digest (what a request is looked up by)
    and its first characters, so the user can tell which one a player holds.
    """

    PREFIX_LENGTH = 8

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listenbrainz_token"
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token (hex).")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The token's first characters.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ListenBrainz token"

    def __str__(self) -> str:
        return f"{self.prefix}… of user {self.user_id}"

    @staticmethod
    def digest_of(token: str) -> str:
        """A 122-bit random token needs no salt or stretching: its SHA-256 is what is stored."""
        return hashlib.sha256(token.encode()).hexdigest()


class ScrobbleSettings(models.Model):
    """Who may read a user's listens, listen count and playing-now through the API."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="scrobble_settings",
    )
    public_listens = models.BooleanField(
        default=False, help_text="Anyone may read them; otherwise only with the user's token."
    )

    class Meta:
        verbose_name_plural = "scrobble settings"

    def __str__(self) -> str:
        return f"scrobble settings of user {self.user_id}"


class PlayingNow(models.Model):
    """What a player says the user is listening to, until `expires_at` (the track's length, or a default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="playing_now"
    )
    track_metadata = models.JSONField()
    client = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "playing now"

    def __str__(self) -> str:
        return f"playing now for user {self.user_id}"

    def is_current(self, now: datetime | None = None) -> bool:
        return self.expires_at > (now or timezone.now())

    @property
    def artist_name(self) -> str:
        return str(self.track_metadata.get("artist_name", ""))

    @property
    def track_name(self) -> str:
        return str(self.track_metadata.get("track_name", ""))

    @property
    def release_name(self) -> str:
        return str(self.track_metadata.get("release_name", "") or "")
