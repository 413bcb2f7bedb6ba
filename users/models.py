"""Accounts: the email is the login (unique whatever its case), with a full name and a picture."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core import crypto
from core.models import TimeStampedModel


def user_image_path(instance: User, filename: str) -> str:
    """`user_images/<random>.<ext>`: the client's file name is never used."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"user_images/{uuid.uuid4().hex}{suffix}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=self.normalize_email(username))

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        user = self._create_user(email, password, **extra_fields)
        # The operator typed this address (createsuperuser): it counts as verified, so the
        # superuser signs in even when ACCOUNT_EMAIL_VERIFICATION is mandatory.
        user.mark_email_verified()
        return user


USER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$"
USER_NAME_HELP = "2 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit."


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    # The public name in URLs (the ListenBrainz API's `user_name`); unique whatever its case.
    user_name = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        validators=[RegexValidator(USER_NAME_PATTERN, USER_NAME_HELP)],
        help_text=USER_NAME_HELP,
    )
    image = models.ImageField(upload_to=user_image_path, blank=True)
    # An IANA name (users.time_zones); "" until the user chooses one or the first page load stores
    # the browser's. Read it through users.selectors.user_zone.
    time_zone = models.CharField(
        max_length=64, blank=True, default="", help_text="IANA time zone, e.g. Europe/Paris; empty: UTC."
    )
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the admin site (admins by ADMIN_EMAIL can too)."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_user_email_ci_unique"),
            models.UniqueConstraint(Lower("user_name"), name="users_user_user_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = UserManager.normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_admin(self) -> bool:
        """Superusers, and the users whose email is in ADMIN_EMAIL once that address is verified.

        An unverified address proves nothing: anyone may sign up with it. Only an ADMIN_EMAIL
        address costs a query (one per instance, remembered with the address it was asked for).
        """
        if self.is_superuser:
            return True
        email = (self.email or "").lower()
        if not email or email not in settings.ADMIN_EMAILS or self.pk is None:
            return False
        cached = self.__dict__.get("_verified_admin_email")
        if cached is None or cached[0] != email:
            verified = EmailAddress.objects.filter(
                user_id=self.pk, email__iexact=email, verified=True
            ).exists()
            cached = self.__dict__["_verified_admin_email"] = (email, verified)
        return cached[1]

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("_verified_admin_email", None)
        super().refresh_from_db(*args, **kwargs)

    def mark_email_verified(self) -> EmailAddress:
        """Records that this account's address belongs to its owner, as its primary address.

        For an operator's word (createsuperuser, `manage.py verify_email`); users prove it with
        the mailed confirmation link instead.
        """
        with transaction.atomic():
            EmailAddress.objects.filter(user=self, primary=True).exclude(email=self.email).update(
                primary=False
            )
            address, _ = EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )
        self.__dict__.pop("_verified_admin_email", None)
        return address

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.is_active and self.is_admin:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.is_admin:
            return True
        return super().has_module_perms(app_label)


class UserApiKey(TimeStampedModel):
    """A user's key for one external service (seed 004), encrypted at rest.

    `key` and `metadata` hold ciphertext only; `get_key()` / `get_metadata()` decrypt on demand.
    `metadata` is what a service needs beside the key (refresh token, expiry, scopes, client id).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    service_name = models.CharField(max_length=50)
    key = crypto.EncryptedTextField(help_text="Encrypted API key or access token.")
    key_hint = models.CharField(max_length=8, blank=True, help_text="The key's last characters, for humans.")
    service_user_id = models.CharField(max_length=100, null=True, blank=True)
    metadata = crypto.EncryptedTextField(blank=True, default="")
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["service_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service_name"], name="users_userapikey_user_service_unique"
            ),
        ]
        verbose_name = "user API key"

    def __str__(self) -> str:
        return f"{self.service_name} key of user {self.user_id}"

    def get_key(self) -> str:
        """The decrypted key (seed 004)."""
        return crypto.decrypt(self.key) if self.key else ""

    def set_key(self, plaintext: str) -> None:
        self.key = crypto.encrypt(plaintext)
        self.key_hint = plaintext[-4:] if len(plaintext) >= 12 else ""

    def get_metadata(self) -> dict[str, Any]:
        return crypto.decrypt_json(self.metadata) or {}

    def set_metadata(self, metadata: dict[str, Any] | None) -> None:
        self.metadata = crypto.encrypt_json(metadata) if metadata else ""

    @property
    def masked_key(self) -> str:
        return f"••••{self.key_hint}" if self.key_hint else "••••"

    def mark_verified(self, when: Any) -> None:
        self.last_verified_at = when
        self.last_error = ""

    def mark_failed(self, message: str) -> None:
        self.last_error = message[:1000]


class ApiToken(models.Model):
    """A DRF token (`Authorization: Token <key>`), one per sign-in, stored so a dump cannot replay it.

    The key itself is shown once, to the client that signed in; the row keeps its SHA-256 (`digest`,
    what a request's key is looked up by), its first characters for humans, and the fingerprint of
    the password it was issued under (see users.tokens): a new password ends the token.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key (hex).")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The key's first characters, for humans.")
    fingerprint = models.CharField(max_length=64, help_text="Fingerprint of the password at issue.")
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… of user {self.user_id}"

    @staticmethod
    def digest_of(key: str) -> str:
        """A 160-bit random key needs no salt or stretching: its SHA-256 is what we store and look up."""
        return hashlib.sha256(key.encode()).hexdigest()
