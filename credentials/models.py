"""Seed 000: app-level credentials for six music platforms, one model each.

Every secret (client secrets, private keys, access and refresh tokens) is an
`EncryptedSecretField`: plain text in Python, ciphertext in the database. The seed's methods
(`validate_credentials()`, Spotify's OAuth methods) are thin: the work is in `credentials.services`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Self

from django.db import models, transaction
from django.utils import timezone

from core.crypto import EncryptedSecretField
from core.platforms import PLATFORM_CHOICES

TOKEN_EXPIRY_MARGIN = timedelta(seconds=60)


class AbstractMusicPlatform(models.Model):
    PLATFORM_CHOICES = PLATFORM_CHOICES  # the seed's class attribute, from the one registry

    name = models.CharField(max_length=50, choices=PLATFORM_CHOICES)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    description = models.TextField(blank=True)
    last_validated = models.DateTimeField(null=True, blank=True)
    validation_error = models.TextField(blank=True)

    platform: ClassVar[str] = ""
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # Each concrete platform model gets Django's default manager; declared for the type checker.
    objects: ClassVar[models.Manager[Self]]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        label = self.description.splitlines()[0][:40] if self.description else f"#{self.pk}"
        return f"{self.get_name_display()}: {label}{'' if self.is_active else ' (inactive)'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving an active credential deactivates the platform's other ones (one active at a time)."""
        if not self.name:
            self.name = self.platform
        with transaction.atomic():
            if self.is_active:
                others = type(self).objects.filter(name=self.name, is_active=True)
                if self.pk:
                    others = others.exclude(pk=self.pk)
                others.update(is_active=False)
            super().save(*args, **kwargs)

    @classmethod
    def get_active_credential(cls, platform_name: str | None = None):
        return cls.objects.filter(name=platform_name or cls.platform, is_active=True).first()

    @property
    def validation_status(self) -> str:
        """ "valid", "invalid" or "unknown" (never checked)."""
        if self.validation_error:
            return "invalid"
        return "valid" if self.last_validated else "unknown"

    def validate_credentials(self) -> bool:
        """Asks the platform whether these credentials work; records `last_validated` / `validation_error`."""
        from credentials.services import credential_validate

        return credential_validate(credential=self).valid

    def record_validation(self, *, error: str = "") -> None:
        self.last_validated = timezone.now()
        self.validation_error = error
        if self.pk:
            type(self).objects.filter(pk=self.pk).update(
                last_validated=self.last_validated, validation_error=error
            )


def platform_name_field(platform: str) -> models.CharField:
    """The seed's `name` field, defaulting to the model's own platform."""
    return models.CharField(max_length=50, choices=AbstractMusicPlatform.PLATFORM_CHOICES, default=platform)


def one_active_per_platform(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["name"], condition=models.Q(is_active=True), name=f"credentials_{model_name}_one_active"
    )


class SpotifyCredential(AbstractMusicPlatform):
    platform = "spotify"
    name = platform_name_field("spotify")
    secret_fields = ("client_secret", "access_token", "refresh_token")

    client_id = models.CharField(max_length=255)
    client_secret = EncryptedSecretField()
    access_token = EncryptedSecretField(blank=True)
    refresh_token = EncryptedSecretField(blank=True)
    token_expiry = models.DateTimeField(blank=True, null=True)
    redirect_uri = models.CharField(max_length=255, blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    max_users = models.PositiveSmallIntegerField(
        default=5,
        help_text="How many users this app may serve: a Spotify app in development mode lists at most 5. "
        "Past it, users are asked to bring their own Spotify app instead.",
    )

    class Meta:
        verbose_name = "Spotify Credential"
        verbose_name_plural = "Spotify Credentials"
        constraints = [one_active_per_platform("spotify")]

    # OAuth 2.0 methods (seed 000); the flows live in credentials.services.

    def get_authorization_url(
        self, redirect_uri: str | None = None, scopes: str | None = None, state: str | None = None
    ) -> str:
        from credentials.spotify_app_credential import spotify_credential_authorization_url

        return spotify_credential_authorization_url(
            credential=self, redirect_uri=redirect_uri, scopes=scopes, state=state
        )

    def exchange_code_for_tokens(
        self, authorization_code: str, redirect_uri: str | None = None, *, state: str | None = None
    ) -> dict[str, Any]:
        from credentials.spotify_app_credential import spotify_credential_exchange_code

        return spotify_credential_exchange_code(
            credential=self, code=authorization_code, redirect_uri=redirect_uri, state=state
        )

    def refresh_access_token(self) -> dict[str, Any]:
        from credentials.spotify_app_credential import spotify_credential_refresh

        return spotify_credential_refresh(credential=self)

    def get_valid_access_token(self, rejected_token: str | None = None) -> str:
        """A usable token: refreshed when expired, or when Spotify refused `rejected_token` and no
        other caller has replaced it yet."""
        from credentials.spotify_app_credential import spotify_credential_access_token

        return spotify_credential_access_token(credential=self, rejected_token=rejected_token)

    def is_token_expired(self) -> bool:
        if not self.access_token:
            return True
        if self.token_expiry is None:
            return False
        return self.token_expiry <= timezone.now() + TOKEN_EXPIRY_MARGIN

    def get_token_info(self) -> dict[str, Any]:
        """What is known about the tokens, never the tokens themselves."""
        expires_in = None
        if self.token_expiry is not None:
            expires_in = max(0, int((self.token_expiry - timezone.now()).total_seconds()))
        return {
            "has_access_token": bool(self.access_token),
            "has_refresh_token": bool(self.refresh_token),
            "token_expiry": self.token_expiry.isoformat() if self.token_expiry else None,
            "expires_in_seconds": expires_in,
            "is_expired": self.is_token_expired(),
            "scopes": self.scopes.split(),
        }


class YouTubeMusicCredential(AbstractMusicPlatform):
    platform = "youtube_music"
    name = platform_name_field("youtube_music")
    secret_fields = ("api_key", "client_secret", "access_token", "refresh_token")

    api_key = EncryptedSecretField()
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = EncryptedSecretField(blank=True)
    access_token = EncryptedSecretField(blank=True)
    refresh_token = EncryptedSecretField(blank=True)

    class Meta:
        verbose_name = "YouTube Music Credential"
        verbose_name_plural = "YouTube Music Credentials"
        constraints = [one_active_per_platform("youtube_music")]


class AmazonMusicCredential(AbstractMusicPlatform):
    """Login with Amazon (the Music Web API itself is a closed beta): a security profile's client."""

    platform = "amazon_music"
    name = platform_name_field("amazon_music")
    secret_fields = ("client_secret", "access_token", "refresh_token")

    client_id = models.CharField(max_length=255)
    client_secret = EncryptedSecretField()
    security_profile_id = models.CharField(
        max_length=255, blank=True, help_text="Sent as x-api-key to the Music Web API."
    )
    access_token = EncryptedSecretField(blank=True)
    refresh_token = EncryptedSecretField(blank=True)
    token_expiry = models.DateTimeField(blank=True, null=True)

    class Meta:
        verbose_name = "Amazon Music Credential"
        verbose_name_plural = "Amazon Music Credentials"
        constraints = [one_active_per_platform("amazon_music")]


class AppleMusicCredential(AbstractMusicPlatform):
    """A MusicKit key: developer tokens are ES256 JWTs signed with the .p8 private key."""

    platform = "apple_music"
    name = platform_name_field("apple_music")
    secret_fields = ("private_key", "music_user_token")

    team_id = models.CharField(max_length=10, help_text="The 10-character Apple Developer team id.")
    key_id = models.CharField(max_length=10, help_text="The 10-character id of the MusicKit key.")
    private_key = EncryptedSecretField(help_text="The contents of the AuthKey_<key id>.p8 file.")
    music_user_token = EncryptedSecretField(blank=True, help_text="Optional: a user's library access.")
    storefront = models.CharField(max_length=8, default="us")

    class Meta:
        verbose_name = "Apple Music Credential"
        verbose_name_plural = "Apple Music Credentials"
        constraints = [one_active_per_platform("apple_music")]


class DeezerCredential(AbstractMusicPlatform):
    """An existing Deezer app (Deezer stopped accepting new ones) and, once authorised, its token."""

    platform = "deezer"
    name = platform_name_field("deezer")
    secret_fields = ("secret", "access_token")

    app_id = models.CharField(max_length=64)
    secret = EncryptedSecretField()
    redirect_uri = models.CharField(max_length=255, blank=True)
    permissions = models.CharField(
        max_length=255, default="basic_access,email,offline_access,listening_history"
    )
    access_token = EncryptedSecretField(blank=True)

    class Meta:
        verbose_name = "Deezer Credential"
        verbose_name_plural = "Deezer Credentials"
        constraints = [one_active_per_platform("deezer")]


class TidalCredential(AbstractMusicPlatform):
    platform = "tidal"
    name = platform_name_field("tidal")
    secret_fields = ("client_secret", "access_token")

    client_id = models.CharField(max_length=255)
    client_secret = EncryptedSecretField()
    access_token = EncryptedSecretField(blank=True)
    token_expiry = models.DateTimeField(blank=True, null=True)
    country_code = models.CharField(max_length=2, default="US")

    class Meta:
        verbose_name = "Tidal Credential"
        verbose_name_plural = "Tidal Credentials"
        constraints = [one_active_per_platform("tidal")]


class OAuthState(models.Model):
    """A pending authorization: the `state` sent to the provider, kept server-side, used once, and
    bound to the user and to the browser that started it."""

    ADMIN_CREDENTIAL = "credential"
    USER_CONNECT = "user_connect"
    PURPOSES = [(ADMIN_CREDENTIAL, "Admin: app credential"), (USER_CONNECT, "User: connect an account")]
    LIFETIME = timedelta(minutes=10)

    state = models.CharField(max_length=128, unique=True)
    provider = models.CharField(max_length=32, default="spotify")
    purpose = models.CharField(max_length=20, choices=PURPOSES)
    user = models.ForeignKey("users.User", null=True, blank=True, on_delete=models.CASCADE)
    credential_id = models.PositiveIntegerField(null=True, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    redirect_uri = models.CharField(max_length=255)
    code_verifier = EncryptedSecretField(blank=True)
    # SHA-256 of the random value in a cookie of the browser that started the flow: the callback must
    # come back from that browser. Empty for a flow started from code (the seed's model methods).
    browser_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "credential_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.purpose} state"

    @property
    def is_expired(self) -> bool:
        return self.created_at + self.LIFETIME < timezone.now()
