"""The vault: a user's encrypted keys for external services (seed 004).

Services here are the only code that decrypts a user's key; the key never goes into a response,
a log line or an error message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import AppError, InvalidInput
from providers import base as provider_errors
from users.models import User, UserApiKey
from users.oauth_grant import OAuthGrant
from users.provider_errors import app_error_from, scrub
from users.vault_registry import SERVICES, SPOTIFY_APP, CheckUnavailable, VaultService, vault_service

logger = logging.getLogger(__name__)

DUPLICATE_SERVICE = "API key with this service name already exists"


class ApiKeyMissing(AppError):
    status = 400
    code = ErrorCode.API_KEY_MISSING


@dataclass(frozen=True)
class StoredKey:
    """A decrypted key, for the services of later features (never serialized)."""

    id: int
    service_name: str
    key: str
    service_user_id: str | None
    metadata: dict[str, Any]

    def __repr__(self) -> str:  # a stray log of this object must not print the key
        return f"StoredKey(id={self.id}, service_name={self.service_name!r}, key='••••')"


@dataclass(frozen=True)
class VerifyResult:
    service_name: str
    status: str  # "valid", "invalid" or "unknown" (a service that cannot be checked live)
    message: str = ""
    checked_at: datetime | None = None


def _display_name(service_name: str) -> str:
    spec = vault_service(service_name)
    return spec.display_name if spec else service_name


def _checked_service_name(service_name: str) -> str:
    name = service_name.strip().lower()
    if vault_service(name) is None:
        supported = ", ".join(SERVICES)
        raise InvalidInput(
            f"Unknown service '{service_name}'. Supported services: {supported}.",
            field="service_name",
            code=ErrorCode.UNKNOWN_SERVICE,
        )
    return name


def api_key_get(*, user: User, service: str) -> StoredKey:
    """The user's decrypted key for `service`, or the seed's "No … API key found" error."""
    row = UserApiKey.objects.filter(user=user, service_name=service).first()
    if row is None or not row.key:
        raise ApiKeyMissing(f"No {_display_name(service)} API key found")
    return StoredKey(
        id=row.id,
        service_name=row.service_name,
        key=row.get_key(),
        service_user_id=row.service_user_id,
        metadata=row.get_metadata(),
    )


def api_key_create(
    *,
    user: User,
    service_name: str,
    api_key: str,
    service_user_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> UserApiKey:
    row = UserApiKey(
        user=user, service_name=_checked_service_name(service_name), service_user_id=service_user_id
    )
    row.set_key(api_key)
    row.set_metadata(metadata)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # the same service stored concurrently
        raise InvalidInput(DUPLICATE_SERVICE, field="service_name", code=ErrorCode.DUPLICATE) from exc
    logger.info("User %s stored a %s key", user.pk, row.service_name)
    if row.service_name == SPOTIFY_APP:
        _spotify_follows_app(user, app=service_user_id)
    return row


_UNSET: Any = object()


def api_key_update(
    *,
    row: UserApiKey,
    service_name: str = _UNSET,
    api_key: str = _UNSET,
    service_user_id: str | None = _UNSET,
) -> UserApiKey:
    """Changes what is given. A new key drops the old key's metadata and verification state."""
    app_changed = row.service_name == SPOTIFY_APP and service_user_id not in (_UNSET, row.service_user_id)
    if service_name is not _UNSET:
        row.service_name = _checked_service_name(service_name)
    if service_user_id is not _UNSET:
        row.service_user_id = service_user_id
    if api_key is not _UNSET:
        row.set_key(api_key)
        row.set_metadata(None)
        row.last_verified_at = None
        row.last_error = ""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise InvalidInput(DUPLICATE_SERVICE, field="service_name", code=ErrorCode.DUPLICATE) from exc
    logger.info("User %s updated their %s key", row.user_id, row.service_name)
    if app_changed:
        _spotify_follows_app(row.user, app=row.service_user_id)
    return row


@dataclass(frozen=True)
class KeySaved:
    row: UserApiKey
    replaced: Literal["key", "service_user_id"] | None  # None: a new key was added


def api_key_save(*, user: User, service: VaultService, api_key: str, service_user_id: str | None) -> KeySaved:
    """A key form as a person fills it in: adds the service's key, or replaces the stored key and/or
    the service user id (when the service has one). A blank key with nothing else to change is
    refused, naming `api_key`."""
    row = UserApiKey.objects.filter(user=user, service_name=service.name).first()
    label = service.key_label.lower()
    if row is None:
        if not api_key:
            raise InvalidInput(
                f"Paste your {service.display_name} {label}.", field="api_key", code=ErrorCode.REQUIRED
            )
        row = api_key_create(
            user=user, service_name=service.name, api_key=api_key, service_user_id=service_user_id
        )
        return KeySaved(row=row, replaced=None)
    changes: dict[str, Any] = {}
    if api_key:
        changes["api_key"] = api_key
    if service.service_user_id_label and service_user_id != row.service_user_id:
        changes["service_user_id"] = service_user_id
    if not changes:
        raise InvalidInput(
            f"Paste a new {label} to replace the stored one.", field="api_key", code=ErrorCode.REQUIRED
        )
    api_key_update(row=row, **changes)
    return KeySaved(row=row, replaced="key" if api_key else "service_user_id")


def api_key_delete(*, row: UserApiKey) -> None:
    logger.info("User %s deleted their %s key", row.user_id, row.service_name)
    with transaction.atomic():
        row.delete()
        if row.service_name == SPOTIFY_APP:
            _spotify_follows_app(row.user, app=None, removed=row.service_user_id)


def _spotify_follows_app(user: User, *, app: str | None, removed: str | None = None) -> None:
    """A Spotify connection's tokens belong to the app that made it: a user who brings their own app
    (`app`, its client id), changes it, or removes it (`removed`; the server's app serves them
    again) has a connection no app of theirs can renew, so it ends, and they connect again."""
    spotify = UserApiKey.objects.filter(user=user, service_name="spotify").first()
    if spotify is None:
        return
    made_by = api_key_grant(spotify).client_id
    if (app is not None and made_by != app) or (app is None and made_by == removed):
        spotify.delete()
        logger.info("User %s's Spotify connection ended: it was made with another Spotify app", user.pk)


def api_key_store(
    *,
    user: User,
    service_name: str,
    api_key: str,
    metadata: dict[str, Any] | None = None,
    service_user_id: str | None = _UNSET,
) -> UserApiKey:
    """Creates or replaces the user's key for a service (used by OAuth connections and token refresh)."""
    with transaction.atomic():
        row, _ = UserApiKey.objects.select_for_update().get_or_create(
            user=user, service_name=_checked_service_name(service_name), defaults={"key": ""}
        )
        row.set_key(api_key)
        row.set_metadata(metadata)
        if service_user_id is not _UNSET:
            row.service_user_id = service_user_id
        row.last_error = ""
        row.save()
    return row


def api_key_grant(row: UserApiKey) -> OAuthGrant:
    """What an OAuth connection keeps beside the key (see users.oauth_grant); defaults for a pasted key."""
    return OAuthGrant.from_metadata(row.get_metadata())


def api_key_grant_set(row: UserApiKey, grant: OAuthGrant) -> None:
    """Replaces the grant kept beside the key; the caller saves the row."""
    row.set_metadata(grant.as_metadata())


def api_key_verify(*, user: User, service_name: str, live: bool = False) -> VerifyResult:
    """Seed 004: "valid" when a key is stored (unless the last live check was refused: "invalid").
    With `live`, the service itself is asked."""
    name = _checked_service_name(service_name)
    row = UserApiKey.objects.filter(user=user, service_name=name).first()
    if row is None:
        raise ApiKeyMissing(f"No {_display_name(name)} API key found", status=404)
    if not live:
        if row.last_error:  # the last live check was refused and nothing has changed since
            message = f"Stored, but the service refused it when last checked: {row.last_error}"
            return VerifyResult(
                service_name=name, status="invalid", message=message, checked_at=row.updated_at
            )
        return VerifyResult(service_name=name, status="valid")

    spec = SERVICES[name]
    if spec.check is None:
        return VerifyResult(service_name=name, status="unknown", message=spec.check_unavailable_reason)
    if spec.needs_service_user_id_to_check and not row.service_user_id:
        raise InvalidInput(
            f"{spec.display_name} needs your {spec.service_user_id_label} (service_user_id) to be checked.",
            field="service_user_id",
            code=ErrorCode.REQUIRED,
        )

    key = row.get_key()
    now = timezone.now()
    try:
        check = spec.check(key, row.service_user_id)
    except CheckUnavailable as exc:
        return VerifyResult(service_name=name, status="unknown", message=str(exc))
    except (
        provider_errors.ProviderAuthError,
        provider_errors.ProviderForbidden,
        provider_errors.ProviderNotFound,
    ) as exc:
        message = scrub(exc.message, key)
        row.mark_failed(message)
        row.save(update_fields=["last_error", "updated_at"])
        logger.info("User %s's %s key was refused: %s", user.pk, name, message)
        return VerifyResult(service_name=name, status="invalid", message=message, checked_at=now)
    except provider_errors.ProviderError as exc:
        raise app_error_from(exc, hide=key) from None
    row.mark_verified(now)
    row.save(update_fields=["last_verified_at", "last_error", "updated_at"])
    message = (
        f"Signed in as {check.account}." if check.account else (check.detail or "The service accepted it.")
    )
    return VerifyResult(service_name=name, status="valid", message=scrub(message, key), checked_at=now)
