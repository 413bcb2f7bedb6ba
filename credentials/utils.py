"""Seed 000's helpers. `PLATFORM_CREDENTIAL_MODELS` is the registry everything else reads:
the admin, validation and the commands. Adding a platform = a model, an entry here, an admin class.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from credentials.models import (
    AbstractMusicPlatform,
    AmazonMusicCredential,
    AppleMusicCredential,
    DeezerCredential,
    SpotifyCredential,
    TidalCredential,
    YouTubeMusicCredential,
)

PLATFORM_CREDENTIAL_MODELS: dict[str, type[AbstractMusicPlatform]] = {
    "spotify": SpotifyCredential,
    "youtube_music": YouTubeMusicCredential,
    "amazon_music": AmazonMusicCredential,
    "apple_music": AppleMusicCredential,
    "deezer": DeezerCredential,
    "tidal": TidalCredential,
}


def get_credential_model_for_platform(platform_name: str) -> type[AbstractMusicPlatform] | None:
    return PLATFORM_CREDENTIAL_MODELS.get(platform_name)


def get_active_credential_for_platform(platform_name: str) -> AbstractMusicPlatform | None:
    model = get_credential_model_for_platform(platform_name)
    return model.get_active_credential(platform_name) if model else None


def create_platform_credential(platform_name: str, **kwargs: Any) -> AbstractMusicPlatform:
    """Creates (and activates) a credential; unknown platforms and fields raise ValueError."""
    model = get_credential_model_for_platform(platform_name)
    if model is None:
        supported = ", ".join(PLATFORM_CREDENTIAL_MODELS)
        raise ValueError(f"Unknown platform {platform_name!r}; supported: {supported}")
    field_names = {field.name for field in model._meta.get_fields() if isinstance(field, models.Field)}
    unknown = sorted(set(kwargs) - field_names)
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(unknown)}")
    return model.objects.create(name=platform_name, **kwargs)


def get_all_active_credentials() -> dict[str, AbstractMusicPlatform]:
    active = {}
    for platform_name in PLATFORM_CREDENTIAL_MODELS:
        credential = get_active_credential_for_platform(platform_name)
        if credential is not None:
            active[platform_name] = credential
    return active


def get_credential_content_type(credential_instance: AbstractMusicPlatform) -> ContentType:
    return ContentType.objects.get_for_model(credential_instance)


def get_credential_from_content_type(
    content_type: ContentType, object_id: int
) -> AbstractMusicPlatform | None:
    model = content_type.model_class()
    registered = next((known for known in PLATFORM_CREDENTIAL_MODELS.values() if known is model), None)
    if registered is None:
        return None
    return registered.objects.filter(pk=object_id).first()


def validate_platform_credential(platform_name: str, **credentials: Any) -> dict[str, Any]:
    """Checks credentials without storing them: `{"valid": bool, "error": str | None}`."""
    from credentials.services import credential_check

    model = get_credential_model_for_platform(platform_name)
    if model is None:
        return {"valid": False, "error": f"Unknown platform {platform_name!r}"}
    field_names = {field.name for field in model._meta.concrete_fields}
    unknown = sorted(set(credentials) - field_names)
    if unknown:
        return {"valid": False, "error": f"Unknown field(s) for {platform_name}: {', '.join(unknown)}"}
    result = credential_check(credential=model(name=platform_name, **credentials))
    return {"valid": result.valid, "error": result.error or None}
