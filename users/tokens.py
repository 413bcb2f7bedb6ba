"""Our own API credentials, kept so that a database dump cannot replay them, and ended by a new password.

- DRF tokens (`Authorization: Token <key>`): the database holds the key's SHA-256 only (`ApiToken`).
- Refresh JWTs: simplejwt's OutstandingToken keeps the `jti` (what the blacklist needs), never the
  JWT's text: `outstanding_token_store_no_text` blanks it before every save, whichever simplejwt
  path writes the row (sign-in, rotation, blacklisting a token it had not seen).
- Every credential carries the fingerprint of the password it was issued under (the token row, the
  JWTs' `pwd` claim, a signed stream link), compared on use. A new password, set by any path (the API,
  a reset, the admin's form, `manage.py changepassword`), changes the fingerprint and so ends every
  credential issued before, as Django does for sessions with `get_session_auth_hash()`.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt import tokens as jwt_tokens
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from users.models import User

FINGERPRINT_SALT = "users.tokens.password_fingerprint"
FINGERPRINT_CLAIM = "pwd"


def password_fingerprint(user: User, *, secret: str | None = None) -> str:
    """A keyed digest of the user's password hash: not the hash, and useless without SECRET_KEY.

    The hash gets a new salt whenever a password is set, so even the same password again changes it.
    """
    return salted_hmac(FINGERPRINT_SALT, user.password or "", secret=secret, algorithm="sha256").hexdigest()[
        :32
    ]


def password_fingerprint_matches(user: User, fingerprint: Any) -> bool:
    """Whether a credential's fingerprint is the user's current one (under SECRET_KEY or a fallback,
    so rotating SECRET_KEY with SECRET_KEY_FALLBACKS signs nobody out)."""
    if not isinstance(fingerprint, str) or not fingerprint:
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(fingerprint, password_fingerprint(user, secret=s)) for s in secrets)


# How long a user's current fingerprint is remembered for `user_fingerprint_matches` (a signed stream
# link is checked on every 64 KB range a player asks for: a database read each time halved the
# throughput). A new password clears it at once (`forget_current_fingerprint`); anything that edits
# the row behind Django's back (a deactivation, a raw UPDATE) is seen within this many seconds.
FINGERPRINT_CACHE_SECONDS = 30


def _fingerprint_cache_key(user_id: int) -> str:
    return f"users:fingerprint:{user_id}"


def user_fingerprint_matches(user_id: int, fingerprint: Any) -> bool:
    """`password_fingerprint_matches` for an active user known by id, from the cache when it can."""
    key = _fingerprint_cache_key(user_id)
    cached = cache.get(key)
    fresh = isinstance(cached, str) and isinstance(fingerprint, str)
    if fresh and constant_time_compare(fingerprint, cached):
        return True
    user = User.objects.filter(pk=user_id, is_active=True).only("password").first()
    if user is None:
        return False
    cache.set(key, password_fingerprint(user), FINGERPRINT_CACHE_SECONDS)
    return password_fingerprint_matches(user, fingerprint)


def forget_current_fingerprint(user_id: int) -> None:
    cache.delete(_fingerprint_cache_key(user_id))


class RefreshToken(jwt_tokens.RefreshToken):
    """simplejwt's refresh JWT stamped with the password fingerprint; the access JWTs made from it
    (`.access_token`, and on every refresh) copy the claim."""

    @classmethod
    def for_user(cls, user: User) -> RefreshToken:  # type: ignore[override]
        token = cast(RefreshToken, super().for_user(user))  # `cls()` inside: ours
        token[FINGERPRINT_CLAIM] = password_fingerprint(user)
        return token


def jwt_matches_password(token: jwt_tokens.Token, user: User) -> bool:
    """A JWT without the claim (issued before this check existed) or with an old one is refused."""
    return password_fingerprint_matches(user, token.get(FINGERPRINT_CLAIM))


@receiver(pre_save, sender=OutstandingToken, dispatch_uid="users.tokens.outstanding_token_store_no_text")
def outstanding_token_store_no_text(sender: type, instance: OutstandingToken, **kwargs: Any) -> None:
    """simplejwt writes OutstandingToken rows from three places (sign-in, rotation, blacklisting a
    token it had not seen); this one receiver keeps the JWT text out of all of them. The blacklist
    works from the `jti`; the text would let anyone holding a database dump refresh as the user."""
    instance.token = ""
