"""Account workflows: credentials on sign-in, sign-out, profile changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.errors import InvalidInput
from users.models import User

logger = logging.getLogger(__name__)

ALLOWED_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


@dataclass(frozen=True)
class AuthCredentials:
    """What a client receives on sign-in: a DRF token (seed 003) and a JWT pair (seed 004)."""

    user: User
    key: str
    access: str
    refresh: str


def auth_credentials_issue(*, user: User) -> AuthCredentials:
    token, _ = Token.objects.get_or_create(user=user)
    refresh = RefreshToken.for_user(user)
    return AuthCredentials(user=user, key=token.key, access=str(refresh.access_token), refresh=str(refresh))


def auth_logout(*, user: User | None, refresh: str | None) -> None:
    """Ends the user's DRF token and blacklists the refresh JWT, if one is given.

    The refresh token is checked first, so a bad one changes nothing.
    """
    refresh_token = None
    if refresh:
        try:
            refresh_token = RefreshToken(refresh)
        except TokenError as exc:
            raise InvalidInput(
                "Token is invalid or expired.", field="refresh", code="token_not_valid"
            ) from exc
    with transaction.atomic():
        if refresh_token is not None:
            refresh_token.blacklist()
        if user is not None:
            Token.objects.filter(user=user).delete()


def _checked_image(image: UploadedFile) -> str:
    """The file's real format's extension; refuses what is too big or not an image."""
    if image.size is None or image.size > settings.MAX_USER_IMAGE_BYTES:
        limit_mb = settings.MAX_USER_IMAGE_BYTES // (1024 * 1024)
        raise InvalidInput(f"The picture is larger than {limit_mb} MB.", field="image", code="too_large")
    try:
        with Image.open(image) as opened:
            opened.verify()
            image_format = opened.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("The file is not an image.", field="image", code="invalid_image") from exc
    finally:
        image.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        allowed = ", ".join(sorted(ALLOWED_IMAGE_FORMATS))
        raise InvalidInput(f"Pictures must be one of {allowed}.", field="image", code="invalid_image")
    return ALLOWED_IMAGE_FORMATS[image_format]


def user_update_profile(
    *,
    user: User,
    full_name: str | None = None,
    image: UploadedFile | None = None,
    remove_image: bool = False,
) -> User:
    """Changes the name and/or picture; a replaced picture's file is deleted after commit."""
    fields: list[str] = []
    old_image_name = user.image.name if user.image else ""
    if full_name is not None:
        user.full_name = full_name.strip()
        fields.append("full_name")
    if image is not None:
        extension = _checked_image(image)
        image.name = f"picture{extension}"
        user.image.save(image.name, image, save=False)
        fields.append("image")
    elif remove_image and old_image_name:
        user.image = None
        fields.append("image")
    if not fields:
        return user
    storage = user.image.storage
    new_image_name = user.image.name if image is not None else ""
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
            if "image" in fields and old_image_name:
                transaction.on_commit(lambda: storage.delete(old_image_name))
    except Exception:
        if new_image_name:  # nothing half-written: the new file goes with the failed save
            storage.delete(new_image_name)
        raise
    return user


DUPLICATE_EMAIL = "A user is already registered with this e-mail address."


def user_register(*, email: str, password1: str, password2: str, full_name: str = "") -> User:
    """An account from the web sign-up (the API's registration checks the same things)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(DUPLICATE_EMAIL, field="email", code="duplicate")
    if password1 != password2:
        raise InvalidInput("The two password fields didn't match.", field="password2", code="mismatch")
    try:
        validate_password(password1, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password1", code="weak_password") from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password1, full_name=full_name.strip())
    except IntegrityError as exc:
        raise InvalidInput(DUPLICATE_EMAIL, field="email", code="duplicate") from exc
