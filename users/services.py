"""Account workflows: sign-up, credentials on sign-in, sign-out, profile changes (the time zone
too), email verification, password reset."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import default_token_generator as password_reset_token_generator
from allauth.account.internal.flows import email_verification as email_verification_flows
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.account.utils import setup_user_email
from dj_rest_auth.forms import AllAuthPasswordResetForm
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.error_codes import ErrorCode
from core.errors import InvalidInput
from core.images import checked_image
from users.adapters import password_reset_url
from users.models import USER_NAME_HELP, USER_NAME_PATTERN, ApiToken, User
from users.signals import time_zone_changed
from users.time_zones import TIME_ZONE_MAX_LENGTH, time_zone_is_known, time_zone_unknown_message
from users.tokens import RefreshToken, forget_current_fingerprint, password_fingerprint

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthCredentials:
    """What a client receives on sign-in: a DRF token (seed 003) and a JWT pair (seed 004)."""

    user: User
    key: str
    access: str
    refresh: str


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new DRF token and its key. The key is returned once and never stored (only its digest)."""
    key = secrets.token_hex(20)  # 160 bits, DRF's own format
    token = ApiToken.objects.create(
        user=user,
        digest=ApiToken.digest_of(key),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        fingerprint=password_fingerprint(user),
    )
    return token, key


def auth_credentials_issue(*, user: User) -> AuthCredentials:
    """A new DRF token and JWT pair for each sign-in (a stored key cannot be handed back)."""
    with transaction.atomic():
        _, key = api_token_issue(user=user)
        refresh = RefreshToken.for_user(user)
    return AuthCredentials(user=user, key=key, access=str(refresh.access_token), refresh=str(refresh))


def auth_logout(*, token: ApiToken | None, refresh: str | None) -> None:
    """Ends the DRF token the request was signed with and blacklists the refresh JWT, if one is
    given. The user's other devices stay signed in (a password change ends them all).

    The refresh token is checked first, so a bad one changes nothing.
    """
    refresh_token = None
    if refresh:
        try:
            # simplejwt annotates its argument as a Token; it takes the encoded string.
            refresh_token = RefreshToken(refresh)  # type: ignore[arg-type]
        except TokenError as exc:
            raise InvalidInput(
                "Token is invalid or expired.", field="refresh", code=ErrorCode.TOKEN_NOT_VALID
            ) from exc
    with transaction.atomic():
        if refresh_token is not None:
            refresh_token.blacklist()
        if token is not None:
            ApiToken.objects.filter(pk=token.pk).delete()


def user_credentials_revoke(*, user: User) -> None:
    """Housekeeping after a new password: deletes the user's DRF tokens issued under another password
    and blacklists their outstanding refresh JWTs.

    Not what revokes them (each credential's password fingerprint already fails its check): it keeps
    the tables from filling with dead credentials, and makes signed stream links, which check the
    fingerprint through a cache, end at once rather than within FINGERPRINT_CACHE_SECONDS. Called for
    every password change through AUTH_PASSWORD_VALIDATORS (users.validators).
    """
    forget_current_fingerprint(user.pk)  # the one place a cached fingerprint must not outlive the change
    ApiToken.objects.filter(user=user).exclude(fingerprint=password_fingerprint(user)).delete()
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in live], ignore_conflicts=True
    )


def _checked_image(image: UploadedFile) -> str:
    """The file's real format's extension; refuses what is too big, too many pixels (the same cap
    as covers: a small file must not decode to gigabytes) or not an image."""
    return checked_image(image, field="image", max_bytes=settings.MAX_USER_IMAGE_BYTES, size=image.size)


def _checked_time_zone(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Choose a time zone, such as Europe/Paris.", field="time_zone")
    if len(name) > TIME_ZONE_MAX_LENGTH or not time_zone_is_known(name):
        raise InvalidInput(time_zone_unknown_message(name), field="time_zone")
    return name


def time_zone_changed_on_commit(user: User, *, old: str) -> None:
    """`time_zone_changed` after commit, unless the days fall as before ("" and an unknown name
    count as UTC, as users.selectors.user_zone reads them)."""
    if (old if time_zone_is_known(old) else "UTC") != user.time_zone:
        transaction.on_commit(lambda: time_zone_changed.send(sender=User, user=user))


def user_update_profile(
    *,
    user: User,
    full_name: str | None = None,
    image: UploadedFile | None = None,
    remove_image: bool = False,
    time_zone: str | None = None,
) -> User:
    """Changes the name, picture and/or time zone; a replaced picture's file is deleted after commit,
    and `time_zone_changed` is sent after commit when the zone is a new one."""
    fields: list[str] = []
    old_image_name = user.image.name if user.image else ""
    old_time_zone = user.time_zone
    if time_zone is not None:  # checked first: a refused zone leaves no uploaded file behind
        time_zone = _checked_time_zone(time_zone)
        if time_zone != user.time_zone:
            user.time_zone = time_zone
            fields.append("time_zone")
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
            if "time_zone" in fields:
                time_zone_changed_on_commit(user, old=old_time_zone)
    except Exception:
        if new_image_name:  # nothing half-written: the new file goes with the failed save
            storage.delete(new_image_name)
        raise
    return user


def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Sets the zone the user's days are counted in (an IANA name)."""
    return user_update_profile(user=user, time_zone=time_zone)


def user_time_zone_default(*, user: User, time_zone: str) -> bool:
    """Stores the browser's zone while the user has chosen none; a zone zoneinfo does not know is
    ignored. True when it was stored (once: a concurrent request finds the zone already set)."""
    name = (time_zone or "").strip()
    if user.time_zone or len(name) > TIME_ZONE_MAX_LENGTH or not time_zone_is_known(name):
        return False
    with transaction.atomic():
        stored = User.objects.filter(pk=user.pk, time_zone="").update(time_zone=name)
        if stored:
            user.time_zone = name
            time_zone_changed_on_commit(user, old="")
    if not stored:
        user.refresh_from_db(fields=["time_zone"])
    return bool(stored)


DUPLICATE_EMAIL = "A user is already registered with this e-mail address."


def user_register(
    *, request: HttpRequest, email: str, password1: str, password2: str, full_name: str = ""
) -> User:
    """An account from the web sign-up, made as allauth makes the API's (the same checks, and the
    address recorded as an unverified allauth EmailAddress). The caller completes the sign-up with
    allauth's `complete_signup`, so ACCOUNT_EMAIL_VERIFICATION applies as it does to the API."""
    email = User.objects.normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(DUPLICATE_EMAIL, field="email", code=ErrorCode.DUPLICATE)
    if password1 != password2:
        raise InvalidInput(
            "The two password fields didn't match.", field="password2", code=ErrorCode.MISMATCH
        )
    try:
        validate_password(password1, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password1", code=ErrorCode.WEAK_PASSWORD) from exc
    signup = SimpleNamespace(cleaned_data={"email": email, "password1": password1, "full_name": full_name})
    adapter = get_account_adapter(request)
    try:
        with transaction.atomic():
            user = adapter.save_user(request, adapter.new_user(request), signup)
            setup_user_email(request, user, [])
    except IntegrityError as exc:
        raise InvalidInput(DUPLICATE_EMAIL, field="email", code=ErrorCode.DUPLICATE) from exc
    return user


def user_email_verify(*, email: str) -> User:
    """An operator vouches for an account's address (`manage.py verify_email`): it becomes the
    account's verified primary address, which makes an ADMIN_EMAIL account an admin."""
    try:
        user = User.objects.get(email__iexact=User.objects.normalize_email(email))
    except User.DoesNotExist as exc:
        raise InvalidInput(f"No account uses {email}.", field="email", code=ErrorCode.NOT_FOUND) from exc
    try:
        user.mark_email_verified()
    except IntegrityError as exc:  # allauth allows one verified row per address
        raise InvalidInput(
            f"{email} is already verified for another account.", field="email", code=ErrorCode.DUPLICATE
        ) from exc
    return user


def email_verification_is_mandatory() -> bool:
    """ACCOUNT_EMAIL_VERIFICATION=mandatory: nobody signs in before confirming their address."""
    return allauth_settings.EMAIL_VERIFICATION == allauth_settings.EmailVerificationMethod.MANDATORY


def email_verification_confirm(*, request: HttpRequest, key: str) -> EmailAddress | None:
    """Confirms the address a mailed link's key stands for; None when the key is unknown, expired
    or already used. Through allauth, as the API's verify-email does."""
    confirmation = get_emailconfirmation_model().from_key(key)
    if confirmation is None:
        return None
    return confirmation.confirm(request)


def email_verification_resend(*, request: HttpRequest, email: str) -> None:
    """Mails a new confirmation link when an active account's address is not verified yet. Says
    nothing either way (no account enumeration)."""
    user = User.objects.filter(email__iexact=User.objects.normalize_email(email), is_active=True).first()
    if user is not None:
        email_verification_send_for_user(request=request, user=user)


def email_verification_send_for_user(*, request: HttpRequest, user: User) -> None:
    """A new confirmation link for the account's address unless it is verified already; allauth's
    rate limit (one a few minutes per address) quietly skips the extra ones."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:  # an account made before sign-up went through allauth has no row yet
        has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"primary": not has_primary}
        )
    if not address.verified:
        email_verification_flows.send_verification_email_to_address(request, address)


def password_reset_send(*, request: HttpRequest, email: str) -> None:
    """Mails a password reset link (to the web page) if an active account uses the address, and
    nothing otherwise: the caller answers the same either way. The API's reset sends the same mail
    through the same dj-rest-auth form."""
    form = AllAuthPasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(request, token_generator=password_reset_token_generator, url_generator=password_reset_url)


USER_NAME_TAKEN = "This user name is taken. Choose another one."


def _user_name_free(name: str, *, exclude_id: int | None = None) -> bool:
    taken = User.objects.filter(user_name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    return not taken.exists()


def user_name_set(*, user: User, user_name: str) -> User:
    """Sets the public user name (URL-safe, unique whatever its case)."""
    name = (user_name or "").strip()
    if not re.fullmatch(USER_NAME_PATTERN, name):
        raise InvalidInput(
            f"Enter a valid user name: {USER_NAME_HELP[0].lower()}{USER_NAME_HELP[1:]}", field="user_name"
        )
    if name == user.user_name:
        return user
    if not _user_name_free(name, exclude_id=user.pk):
        raise InvalidInput(USER_NAME_TAKEN, code=ErrorCode.USER_NAME_TAKEN, field="user_name")
    user.user_name = name
    try:
        with transaction.atomic():
            user.save(update_fields=["user_name"])
    except IntegrityError:  # taken between the check and the save
        raise InvalidInput(USER_NAME_TAKEN, code=ErrorCode.USER_NAME_TAKEN, field="user_name") from None
    return user


def user_name_ensure(*, user: User) -> str:
    """The user's public name, chosen from the e-mail address (then numbered) if the user has none yet."""
    if user.user_name:
        return user.user_name
    local = user.email.split("@", 1)[0]
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", local).strip("-._")[:32] or "listener"
    if len(base) < 2:
        base = f"{base}-listener"
    for attempt in range(1, 1000):
        candidate = base if attempt == 1 else f"{base}-{attempt}"
        if not _user_name_free(candidate, exclude_id=user.pk):
            continue
        try:
            with transaction.atomic():
                updated = User.objects.filter(pk=user.pk, user_name__isnull=True).update(user_name=candidate)
        except IntegrityError:
            continue
        if not updated:  # set meanwhile by another request
            user.refresh_from_db(fields=["user_name"])
            return user.user_name or candidate
        user.user_name = candidate
        return candidate
    candidate = f"listener-{secrets.token_hex(6)}"
    User.objects.filter(pk=user.pk).update(user_name=candidate)
    user.user_name = candidate
    return candidate
